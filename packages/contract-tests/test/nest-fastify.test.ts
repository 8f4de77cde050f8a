import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, runContractSuite, spawnApp, startApp, type RunningApp } from '../src/index.js';
import { runRefreshSuite } from '../src/index.js';

// The suite starts every app process with this process's environment plus its own variables, so
// this one switch runs the whole contract against nest-example on Fastify. Each test file has its
// own worker, so the Express run is not affected.
process.env['NEST_PLATFORM'] = 'fastify';

runContractSuite({ app: 'nest-example' });
runRefreshSuite({ app: 'nest-example' });

describe('nest-example on Fastify', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ app: 'nest-example' });
  });
  afterAll(async () => {
    await app?.stop('SIGKILL');
  });

  it('runs on Fastify: its JSON answers carry no ETag, which Express would add', async () => {
    const reply = await request(app.url, '/health');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('etag')).toBeNull();
  });

  it('refuses an unknown NEST_PLATFORM at start', async () => {
    const run = spawnApp({ app: 'nest-example', env: { NEST_PLATFORM: 'koa' } });
    expect((await run.exited).code).toBe(1);
    expect(run.output().stderr).toContain('NEST_PLATFORM');
  });
});
