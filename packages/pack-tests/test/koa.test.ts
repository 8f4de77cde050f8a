import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeTempProject, localRegistryTarball, releasedRange, workspaceDependencyVersion, type TempProject } from '../src/pack.js';

// A real Koa server built only from what was installed: it protects one route, calls itself over
// HTTP without a token, with a good one and with one signed by another secret, prints one JSON
// line and closes. `load` is the module system's way of getting the two packages.
const server = (load: string): string => `
${load}
const secret = 'pack-test-secret-that-is-at-least-32-bytes-long';
const options = { key: koaJwt.secretKey(secret), issuer: 'pack', audience: 'pack-api', algorithms: ['HS256'] };
const app = new Koa();
app.use(koaJwt.jwt({ ...options, unless: { path: ['/health'] } }));
app.use((ctx) => { ctx.body = ctx.path === '/health' ? { status: 'ok' } : { sub: ctx.state.user.sub }; });
const listening = app.listen(0, '127.0.0.1');
listening.once('listening', async () => {
  const url = 'http://127.0.0.1:' + listening.address().port + '/me';
  const call = async (token) => {
    const res = await fetch(url, token === undefined ? {} : { headers: { authorization: 'Bearer ' + token } });
    return { status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.json() };
  };
  const sign = (s) => koaJwt.createSigner({ key: koaJwt.secretKey(s), issuer: 'pack', audience: 'pack-api', expiresIn: '5m' }).sign({ sub: 'kevin' });
  const health = await fetch(url.replace('/me', '/health'));
  console.log(JSON.stringify({
    health: health.status,
    none: await call(undefined),
    good: await call(await sign(secret)),
    otherKey: await call(await sign(secret.toUpperCase())),
  }));
  listening.close();
});
`;

const expected = {
  health: 200,
  none: { status: 401, challenge: 'Bearer realm="api"', body: { error: 'missing_token' } },
  good: { status: 200, challenge: null, body: { sub: 'kevin' } },
  otherKey: {
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="signature invalid"',
    body: { error: 'invalid_token', error_description: 'signature invalid' },
  },
};

const lastJsonLine = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').pop() ?? '');

describe('@jwt/koa installed by version range from the local registry with koa', () => {
  let project: TempProject;

  beforeAll(async () => {
    project = await makeTempProject({
      '@jwt/koa': releasedRange('@jwt/koa'),
      koa: workspaceDependencyVersion('@jwt/koa', 'koa'),
      '@types/koa': workspaceDependencyVersion('@jwt/koa', '@types/koa'),
    });
  });
  afterAll(() => project?.remove());

  test('npm downloaded @jwt/koa and, as its dependency, @jwt/core from the local registry', () => {
    expect(project.resolvedFrom('@jwt/koa')).toMatch(localRegistryTarball('@jwt/koa'));
    expect(project.resolvedFrom('@jwt/core')).toMatch(localRegistryTarball('@jwt/core'));
  });

  test('the manifest depends on the core and leaves koa to the app', () => {
    const manifest = project.installedManifest('@jwt/koa');
    expect(manifest.dependencies).toEqual({ '@jwt/core': expect.stringMatching(/^\^\d+\.\d+\.\d+/) });
    expect(Object.keys(manifest.peerDependencies ?? {})).toContain('koa');
    expect(manifest.dependencies).not.toHaveProperty('koa');
  });

  test('ESM: a protected route answers 401 without a token, 200 with one, 401 with a foreign one', async () => {
    project.write('server.mjs', server(`import Koa from 'koa';\nimport * as koaJwt from '@jwt/koa';`));
    const { code, stdout, stderr } = await project.runNode('server.mjs');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(lastJsonLine(stdout)).toEqual(expected);
  });

  test('CommonJS: the same server through require()', async () => {
    project.write('server.cjs', server(`const Koa = require('koa');\nconst koaJwt = require('@jwt/koa');`));
    const { code, stdout, stderr } = await project.runNode('server.cjs');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(lastJsonLine(stdout)).toEqual(expected);
  });

  // One compiler run for both, since each costs seconds (and skipLibCheck spares checking
  // @types/node; types that failed to resolve would still show as the misuse lines passing):
  // the good files must be clean and the misuse file must fail on exactly its two bad lines.
  test('TypeScript (node16) types the middleware and its state from ESM and CommonJS, and reports misuse', async () => {
    const usage = `
const auth = jwt<{ permissions: string[] }, 'auth'>({ key: secretKey('pack-test-secret-that-is-at-least-32-bytes-long'), issuer: 'pack', audience: 'pack-api', stateKey: 'auth' });
const app = new Koa<JwtState<{ permissions: string[] }, 'auth'>>();
app.use(auth);
app.use(requirePermissions('admin'));
app.use((ctx) => {
  const first: string | undefined = ctx.state.auth.permissions[0];
  ctx.body = { first };
});
export { app };`;
    project.write('typed.mts', `import Koa from 'koa';\nimport { jwt, requirePermissions, secretKey, type JwtState } from '@jwt/koa';\n${usage}`);
    project.write('typed.cts', `import Koa = require('koa');\nimport { jwt, requirePermissions, secretKey, type JwtState } from '@jwt/koa';\n${usage}`);
    project.write('misuse.mts', `import { jwt } from '@jwt/koa';\nexport const a = jwt({ stateKey: 'user' });\nexport const b = jwt({ key: 'k', passthrough: 'yes' });\n`);
    const { code, stdout } = await project.typecheck(['typed.mts', 'typed.cts', 'misuse.mts'], { types: ['node'], skipLibCheck: true });
    expect(code).not.toBe(0);
    const files = [...stdout.matchAll(/^([\w./-]+)\((\d+),\d+\): error (TS\d+)/gm)].map((m) => `${m[1]}:${m[2]} ${m[3]}`);
    // Missing key, and passthrough that is not a boolean: no overload of jwt() accepts either.
    expect(files).toEqual(['misuse.mts:2 TS2769', 'misuse.mts:3 TS2769']);
  });
});
