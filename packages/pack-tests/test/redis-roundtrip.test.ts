/**
 * @jwt/redis from the local registry against a real redis-server (the one `npm test` provided, in
 * REDIS_SERVER, or redis-server on PATH): sign, verify, revoke, and the same token refused, from an
 * ESM and a CommonJS project alike.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeTempProject, releasedRange, workspaceDependencyVersion, type TempProject } from '../src/pack.js';

const scenario = (load: string, port: number): string => `
${load}
const store = new redis.RedisRevocationStore({ clientOptions: { socket: { host: '127.0.0.1', port: ${port} } } });
const codeOf = (promise) => promise.then((r) => 'accepted:' + r.payload.sub, (e) => (e instanceof core.JwtError ? e.code : 'not a JwtError: ' + e));
const key = core.secretKey('pack-test-secret-that-is-at-least-32-bytes-long');
const signer = core.createSigner({ key, issuer: 'pack', audience: 'pack-api', expiresIn: '5m', jwtId: true });
const verifier = core.createVerifier({ key, issuer: 'pack', audience: 'pack-api', algorithms: ['HS256'], revocation: store });
const token = await signer.sign({ sub: 'kevin' });
const other = await signer.sign({ sub: 'kevin' });
const result = { ready: await store.ready(10000), before: await codeOf(verifier.verify(token)) };
const { payload } = await verifier.verify(token);
await store.revokeToken(payload);
result.after = await codeOf(verifier.verify(token));
result.otherToken = await codeOf(verifier.verify(other));
await store.close();
console.log(JSON.stringify(result));
`;

const expected = { ready: true, before: 'accepted:kevin', after: 'ERR_JWT_REVOKED', otherToken: 'accepted:kevin' };
const lastJsonLine = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').pop() ?? '');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A throwaway redis-server on a free port; retried when another process takes the port first. */
async function startRedis(): Promise<{ port: number; child: ChildProcess }> {
  const binary = process.env.REDIS_SERVER || 'redis-server';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 30_000);
      child.stdout!.on('data', (c: Buffer) => {
        output += c.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      child.once('error', (e) => {
        output += e.message;
        clearTimeout(timer);
        resolve(false);
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (ready) return { port, child };
    child.kill('SIGKILL');
    if (!/address already in use/i.test(output) || attempt >= 5) throw new Error(`${binary} did not start (npm test provides one; or set REDIS_SERVER): ${output.slice(-500)}`);
  }
}

describe('@jwt/redis from the local registry, revoking on a real redis-server', () => {
  let project: TempProject;
  let redisServer: { port: number; child: ChildProcess };

  beforeAll(async () => {
    redisServer = await startRedis();
    project = await makeTempProject({
      '@jwt/redis': releasedRange('@jwt/redis'),
      redis: workspaceDependencyVersion('@jwt/redis', 'redis'),
    });
  });
  afterAll(() => {
    redisServer?.child.kill('SIGKILL');
    project?.remove();
  });

  test('ESM: a token verifies, is revoked, and is then refused with ERR_JWT_REVOKED; another token still verifies', async () => {
    project.write('roundtrip.mjs', `import * as core from '@jwt/core';\nimport * as redis from '@jwt/redis';\n${scenario('', redisServer.port)}`);
    const { code, signal, stdout, stderr } = await project.runNode('roundtrip.mjs', [], { timeoutMs: 60_000 });
    expect(stderr).toBe('');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(lastJsonLine(stdout)).toEqual(expected);
  });

  test('CommonJS: the same through require()', async () => {
    const load = "const core = require('@jwt/core');\nconst redis = require('@jwt/redis');";
    project.write('roundtrip.cjs', `(async () => {\n${scenario(load, redisServer.port)}\n})().catch((error) => { console.error(error); process.exitCode = 1; });`);
    const { code, signal, stdout, stderr } = await project.runNode('roundtrip.cjs', [], { timeoutMs: 60_000 });
    expect(stderr).toBe('');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(lastJsonLine(stdout)).toEqual(expected);
  });
});
