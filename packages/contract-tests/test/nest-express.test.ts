import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, runContractSuite, startApp, type RunningApp } from '../src/index.js';
import { runRefreshSuite } from '../src/index.js';

// The suite starts the app with this process's environment; Express is nest-example's default,
// so a NEST_PLATFORM left over from the caller's shell must not switch it.
delete process.env['NEST_PLATFORM'];

runContractSuite({ app: 'nest-example' });
runRefreshSuite({ app: 'nest-example' });

describe('nest-example on Express', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ app: 'nest-example' });
  });
  afterAll(async () => {
    await app?.stop('SIGKILL');
  });

  it('runs on Express: its JSON answers carry an ETag, which Fastify does not add', async () => {
    expect((await request(app.url, '/health')).headers.get('etag')).toMatch(/^W\//);
  });
});
