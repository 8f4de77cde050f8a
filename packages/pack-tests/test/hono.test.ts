import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeTempProject, localRegistryTarball, releasedRange, workspaceDependencyVersion, type TempProject } from '../src/pack.js';

// A Hono app on @hono/node-server made only from what was installed. It protects two routes,
// calls itself over HTTP (no token, a good one, a foreign one, one without the permission),
// prints one JSON line and closes. `load` is how the module system gets the packages.
const server = (load: string): string => `
${load}
const secret = 'pack-test-secret-that-is-at-least-32-bytes-long';
const key = honoJwt.secretKey(secret);
const auth = honoJwt.jwt({ key, issuer: 'pack', audience: 'pack-api', algorithms: ['HS256'] });
const app = new Hono();
app.get('/me', auth, (c) => c.json({ sub: c.var.jwt.sub }));
app.get('/admin', auth, honoJwt.requirePermissions('admin'), (c) => c.json({ ok: true }));
const sign = (s, claims) => honoJwt.createSigner({ key: honoJwt.secretKey(s), issuer: 'pack', audience: 'pack-api', expiresIn: '5m' }).sign(claims);
const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, async (info) => {
  const call = async (path, token) => {
    const res = await fetch('http://127.0.0.1:' + info.port + path, token === undefined ? {} : { headers: { authorization: 'Bearer ' + token } });
    return { status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.json() };
  };
  console.log(JSON.stringify({
    none: await call('/me'),
    good: await call('/me', await sign(secret, { sub: 'kevin' })),
    otherKey: await call('/me', await sign(secret.toUpperCase(), { sub: 'kevin' })),
    noPermission: await call('/admin', await sign(secret, { sub: 'kevin', permissions: ['view'] })),
  }));
  listening.close();
});
`;

const expected = {
  none: { status: 401, challenge: 'Bearer realm="api"', body: { error: 'missing_token' } },
  good: { status: 200, challenge: null, body: { sub: 'kevin' } },
  otherKey: {
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="signature invalid"',
    body: { error: 'invalid_token', error_description: 'signature invalid' },
  },
  noPermission: { status: 403, challenge: 'Bearer realm="api", error="insufficient_scope"', body: { error: 'insufficient_scope' } },
};

const lastJsonLine = (stdout: string): unknown => JSON.parse(stdout.trim().split('\n').pop() ?? '');

describe('@jwt/hono installed by version range from the local registry with hono and @hono/node-server', () => {
  let project: TempProject;

  beforeAll(async () => {
    project = await makeTempProject({
      '@jwt/hono': releasedRange('@jwt/hono'),
      hono: workspaceDependencyVersion('@jwt/hono', 'hono'),
      '@hono/node-server': workspaceDependencyVersion('@jwt/hono', '@hono/node-server'),
    });
  });
  afterAll(() => project?.remove());

  test('npm downloaded @jwt/hono and, as its dependency, @jwt/core from the local registry', () => {
    expect(project.resolvedFrom('@jwt/hono')).toMatch(localRegistryTarball('@jwt/hono'));
    expect(project.resolvedFrom('@jwt/core')).toMatch(localRegistryTarball('@jwt/core'));
  });

  test('the manifest depends on the core and leaves hono to the app', () => {
    const manifest = project.installedManifest('@jwt/hono');
    expect(manifest.dependencies).toEqual({ '@jwt/core': expect.stringMatching(/^\^\d+\.\d+\.\d+/) });
    expect(Object.keys(manifest.peerDependencies ?? {})).toEqual(['hono']);
  });

  test('ESM: a protected route answers 401 without a token and 200 with one; 401 and 403 for the wrong ones', async () => {
    project.write('server.mjs', server(`import { Hono } from 'hono';\nimport { serve } from '@hono/node-server';\nimport * as honoJwt from '@jwt/hono';`));
    const { code, stdout, stderr } = await project.runNode('server.mjs');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(lastJsonLine(stdout)).toEqual(expected);
  });

  test('CommonJS: the same app through require()', async () => {
    project.write('server.cjs', server(`const { Hono } = require('hono');\nconst { serve } = require('@hono/node-server');\nconst honoJwt = require('@jwt/hono');`));
    const { code, stdout, stderr } = await project.runNode('server.cjs');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(lastJsonLine(stdout)).toEqual(expected);
  });

  test('@jwt/hono/lite: the same app from ESM and CommonJS, answering the same', async () => {
    project.write('server-lite.mjs', server(`import { Hono } from 'hono';\nimport { serve } from '@hono/node-server';\nimport * as honoJwt from '@jwt/hono/lite';`));
    project.write('server-lite.cjs', server(`const { Hono } = require('hono');\nconst { serve } = require('@hono/node-server');\nconst honoJwt = require('@jwt/hono/lite');`));
    for (const file of ['server-lite.mjs', 'server-lite.cjs']) {
      const { code, stdout, stderr } = await project.runNode(file);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(lastJsonLine(stdout)).toEqual(expected);
    }
  });

  test('@jwt/hono/lite refuses a raw secret when jwt() is called', async () => {
    project.write('raw-lite.mjs', `import { jwt, JwtError } from '@jwt/hono/lite';\ntry { jwt({ key: 'pack-test-secret-that-is-at-least-32-bytes-long', issuer: false, audience: false }); console.log('accepted'); } catch (e) { console.log(e instanceof JwtError ? e.code : 'other'); }`);
    const { code, stdout } = await project.runNode('raw-lite.mjs');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('ERR_CONFIG_INVALID');
  });

  test('the ESM build imports no Node built-in (edge runtimes)', async () => {
    project.write('imports.mjs', `import { readFileSync } from 'node:fs';\nimport { createRequire } from 'node:module';\nconst file = createRequire(import.meta.url).resolve('@jwt/hono').replace(/index\\.cjs$/, 'index.mjs');\nconsole.log(JSON.stringify(readFileSync(file, 'utf8').match(/from\\s+["'][^"']+["']/g)));`);
    const { code, stdout } = await project.runNode('imports.mjs');
    expect(code).toBe(0);
    const imports = JSON.parse(stdout) as string[];
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((i) => /node:/.test(i))).toEqual([]);
  });

  test('TypeScript (node16): c.var.jwt is typed through Env, and misuse is reported', async () => {
    const usage = `
type Claims = { sub: string; permissions: string[] };
const app = new Hono<Env<Claims>>();
app.get('/me', jwt<Claims>({ key: secretKey('pack-test-secret-that-is-at-least-32-bytes-long'), issuer: 'pack', audience: 'pack-api' }), (c) => {
  const permissions: string[] = c.var.jwt.permissions;
  return c.json({ sub: c.var.jwt.sub, first: permissions[0] ?? null });
});
export default app;`;
    project.write('typed.mts', `import { Hono } from 'hono';\nimport { jwt, secretKey, type Env } from '@jwt/hono';\n${usage}`);
    project.write('typed.cts', `import { Hono } from 'hono';\nimport { jwt, secretKey, type Env } from '@jwt/hono';\n${usage}`);
    project.write('typed-lite.mts', `import { Hono } from 'hono';\nimport { jwt, secretKey, type Env } from '@jwt/hono/lite';\n${usage}`);
    project.write('typed-lite.cts', `import { Hono } from 'hono';\nimport { jwt, secretKey, type Env } from '@jwt/hono/lite';\n${usage}`);
    project.write('misuse.mts', `import { Hono } from 'hono';\nimport { jwt, type Env } from '@jwt/hono';\nconst app = new Hono<Env<{ sub: string }>>();\napp.get('/', jwt({ algorithms: ['HS256'] }), (c) => c.json({ n: c.var.jwt.sub.toFixed(1) }));\n`);
    // One compiler run for all three files (it is the slow part): only misuse.mts may have errors.
    const bad = await project.typecheck(['typed.mts', 'typed.cts', 'typed-lite.mts', 'typed-lite.cts', 'misuse.mts']);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout.split('\n').filter((line) => /^\S+\(\d+,\d+\): error/.test(line) && !line.startsWith('misuse.mts('))).toEqual([]);
    // No key in the options; sub is a string, not a number.
    expect(bad.stdout).toMatch(/misuse\.mts\(4,\d+\): error TS2\d{3}/);
    expect(bad.stdout).toMatch(/toFixed/);
  });
});
