import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeTempProject, localRegistryTarball, releasedRange, workspaceDependencyVersion, type TempProject } from '../src/pack.js';

// No Redis server is needed: the store is pointed at a loopback port nobody listens on, through
// `clientOptions` (node-redis's own socket options, which is what crosses the package boundary
// here). The script checks the store says it is unavailable, that checks, writes and a verifier
// refuse with the core's error class, and that it closes; then it returns without process.exit,
// so a connection left open would keep the process alive and show up as a killed run.
// `load` is the module system's way of getting the three modules.
const scenario = (load: string): string => `
${load}
const closedPort = await new Promise((resolve) => {
  const probe = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const errors = [];
const store = new redis.RedisRevocationStore({
  clientOptions: { socket: { host: '127.0.0.1', port: closedPort } },
  commandTimeout: 500,
  connectTimeout: 500,
  onError: (error) => errors.push(error instanceof Error),
});
const codeOf = async (run) => {
  try {
    await run();
    return 'no error';
  } catch (error) {
    return error instanceof core.JwtError ? error.code : 'not a JwtError: ' + String(error);
  }
};
const key = core.secretKey('pack-test-secret-that-is-at-least-32-bytes-long');
const token = await core.createSigner({ key, expiresIn: '5m', jwtId: true }).sign({ sub: 'kevin' });
const verifier = core.createVerifier({ key, issuer: false, audience: false, revocation: store });
const result = {
  ready: await store.ready(300),
  status: store.status,
  check: await codeOf(() => store.isRevoked({ jti: 'any', sub: 'kevin', iat: Math.floor(Date.now() / 1000) })),
  write: await codeOf(() => store.revokeToken({ jti: 'any', exp: Math.floor(Date.now() / 1000) + 60 })),
  verify: await codeOf(() => verifier.verify(token)),
  reported: errors.length > 0 && errors.every(Boolean),
};
await store.close();
result.closed = store.status;
result.readyAfterClose = await store.ready(100);
console.log(JSON.stringify(result));
`;

const expected = {
  ready: false,
  status: 'stale',
  check: 'ERR_REVOCATION_UNAVAILABLE',
  write: 'ERR_REVOCATION_UNAVAILABLE',
  verify: 'ERR_REVOCATION_UNAVAILABLE',
  reported: true,
  closed: 'closed',
  readyAfterClose: false,
};

const lastJsonLine = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').pop() ?? '');

describe('@jwt/redis installed by version range from the local registry with redis', () => {
  let project: TempProject;

  beforeAll(async () => {
    project = await makeTempProject({
      '@jwt/redis': releasedRange('@jwt/redis'),
      redis: workspaceDependencyVersion('@jwt/redis', 'redis'),
    });
  });
  afterAll(() => project?.remove());

  test('npm downloaded @jwt/redis and, as its dependency, @jwt/core from the local registry', () => {
    expect(project.resolvedFrom('@jwt/redis')).toMatch(localRegistryTarball('@jwt/redis'));
    expect(project.resolvedFrom('@jwt/core')).toMatch(localRegistryTarball('@jwt/core'));
  });

  test('the manifest depends on the core and leaves redis to the app, and the tarball carries the licence', async () => {
    const manifest = project.installedManifest('@jwt/redis');
    expect(manifest.dependencies).toEqual({ '@jwt/core': expect.stringMatching(/^\^\d+\.\d+\.\d+/) });
    expect(Object.keys(manifest.peerDependencies ?? {})).toEqual(['redis']);
    expect(manifest.license).toBe('MIT');
    const { code, stdout } = await project.runNode('-e', [
      "const path = require('node:path'); console.log(require('node:fs').readFileSync(path.join(path.dirname(require.resolve('@jwt/redis/package.json')), 'LICENSE'), 'utf8'))",
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the jwt-toolkit authors\n/);
  });

  test('ESM: against a closed port the store reports unavailable, refuses with the core error, and closes', async () => {
    project.write('store.mjs', `import * as net from 'node:net';\nimport * as core from '@jwt/core';\nimport * as redis from '@jwt/redis';\n${scenario('')}`);
    const { code, signal, stdout, stderr } = await project.runNode('store.mjs', [], { timeoutMs: 30_000 });
    expect(stderr).toBe('');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(lastJsonLine(stdout)).toEqual(expected);
  });

  test('CommonJS: the same through require()', async () => {
    const load = "const net = require('node:net');\nconst core = require('@jwt/core');\nconst redis = require('@jwt/redis');";
    project.write('store.cjs', `(async () => {\n${scenario(load)}\n})().catch((error) => { console.error(error); process.exitCode = 1; });`);
    const { code, signal, stdout, stderr } = await project.runNode('store.cjs', [], { timeoutMs: 30_000 });
    expect(stderr).toBe('');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(lastJsonLine(stdout)).toEqual(expected);
  });

  test('TypeScript (node16) types the options from ESM and CommonJS, and reports misuse', async () => {
    const usage = `
export const store = new RedisRevocationStore({ clientOptions: { socket: { host: '127.0.0.1', port: 6379 } }, onUnavailable: 'accept' });
export const status: 'synced' | 'stale' | 'closed' = store.status;`;
    project.write('typed.mts', `import { RedisRevocationStore } from '@jwt/redis';\n${usage}`);
    project.write('typed.cts', `import { RedisRevocationStore } from '@jwt/redis';\n${usage}`);
    project.write('misuse.mts', `import { RedisRevocationStore } from '@jwt/redis';\nexport const a = new RedisRevocationStore({ url: 'redis://127.0.0.1', onUnavailable: 'maybe' });\n`);
    const { code, stdout } = await project.typecheck(['typed.mts', 'typed.cts', 'misuse.mts'], { skipLibCheck: true });
    expect(code).not.toBe(0);
    const errors = [...stdout.matchAll(/^([\w./-]+)\((\d+),\d+\): error (TS\d+)/gm)].map((m) => `${m[1]}:${m[2]} ${m[3]}`);
    expect(errors).toEqual(['misuse.mts:2 TS2322']);
  });
});
