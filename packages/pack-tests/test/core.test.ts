import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeTempProject, localRegistryTarball, releasedRange, type TempProject } from '../src/pack.js';

// One script body for both module systems: sign, verify, then refuse a copy whose payload was
// edited and a token signed with another secret. It prints one JSON line the tests compare.
const scenario = `
const secret = 'pack-test-secret-that-is-at-least-32-bytes-long';
const key = core.secretKey(secret);
const signer = core.createSigner({ key, issuer: 'pack', audience: 'pack-api', expiresIn: '5m', jwtId: true });
const verifier = core.createVerifier({ key, issuer: 'pack', audience: 'pack-api', algorithms: ['HS256'] });
const token = await signer.sign({ sub: 'kevin', permissions: ['view'] });
const { payload } = await verifier.verify(token);
const [h, , s] = token.split('.');
const forged = Buffer.from(JSON.stringify({ ...payload, permissions: ['admin'] })).toString('base64url');
const refusal = async (t) => verifier.verify(t).then(() => 'accepted', (e) => (e instanceof core.JwtError ? e.code : 'not a JwtError: ' + e));
const other = core.createSigner({ key: core.secretKey(secret.toUpperCase()), issuer: 'pack', audience: 'pack-api', expiresIn: '5m' });
console.log(JSON.stringify({
  sub: payload.sub,
  permissions: payload.permissions,
  tampered: await refusal(h + '.' + forged + '.' + s),
  otherKey: await refusal(await other.sign({ sub: 'kevin' })),
}));
`;

const expected = {
  sub: 'kevin',
  permissions: ['view'],
  tampered: 'ERR_JWS_SIGNATURE_INVALID',
  otherKey: 'ERR_JWS_SIGNATURE_INVALID',
};

interface ScenarioOutput {
  sub: string;
  permissions: string[];
  tampered: string;
  otherKey: string;
}

function lastJsonLine(stdout: string): ScenarioOutput {
  const line = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as ScenarioOutput;
}

describe('@jwt/core installed by version range from the local registry', () => {
  let project: TempProject;

  beforeAll(async () => {
    project = await makeTempProject({ '@jwt/core': releasedRange('@jwt/core') });
  });
  afterAll(() => project?.remove());

  test('npm downloaded @jwt/core from the local registry', () => {
    expect(project.resolvedFrom('@jwt/core')).toMatch(localRegistryTarball('@jwt/core'));
  });

  test('the tarball holds the build and the manifest, not the sources or tests', async () => {
    const { code, stdout, stderr } = await project.runNode('-e', [
      `const fs = require('node:fs'), path = require('node:path');
       const root = path.dirname(require.resolve('@jwt/core/package.json'));
       const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(d, e.name)) : [path.relative(root, path.join(d, e.name))]);
       console.log(JSON.stringify(walk(root).sort()));`,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const files = JSON.parse(stdout) as string[];
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/index.mjs', 'dist/index.cjs', 'dist/index.d.mts', 'dist/index.d.cts', 'dist/lite.mjs', 'dist/lite.cjs', 'dist/lite.d.mts', 'dist/lite.d.cts']));
    expect(files.filter((f) => f.startsWith('src/') || f.includes('.test.') || f.startsWith('test/'))).toEqual([]);
    expect(project.installedManifest('@jwt/core').dependencies ?? {}).toEqual({});
  });

  test('import (ESM) signs and verifies, and refuses a tampered token and another key', async () => {
    project.write('esm.mjs', `import * as core from '@jwt/core';\n${scenario}`);
    const { code, stdout, stderr } = await project.runNode('esm.mjs');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(lastJsonLine(stdout)).toMatchObject(expected);
  });

  test('require (CommonJS) signs and verifies, and refuses a tampered token and another key', async () => {
    project.write('cjs.cjs', `const core = require('@jwt/core');\n(async () => {\n${scenario}\n})().catch((e) => { console.error(e); process.exit(1); });`);
    const { code, stdout, stderr } = await project.runNode('cjs.cjs');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(lastJsonLine(stdout)).toMatchObject(expected);
  });

  test('the ESM and CommonJS builds export the same names', async () => {
    project.write('names.mjs', `import * as core from '@jwt/core';\nconsole.log(JSON.stringify(Object.keys(core).sort()));`);
    project.write('names.cjs', `console.log(JSON.stringify(Object.keys(require('@jwt/core')).sort()));`);
    const esm = await project.runNode('names.mjs');
    const cjs = await project.runNode('names.cjs');
    expect(esm.code).toBe(0);
    expect(cjs.code).toBe(0);
    const esmNames = JSON.parse(esm.stdout) as string[];
    expect(esmNames).toEqual(expect.arrayContaining(['createSigner', 'createVerifier', 'verify', 'sign', 'JwtError', 'secretKey', 'importKey']));
    expect(JSON.parse(cjs.stdout)).toEqual(esmNames);
  });

  test('paths outside the exports map cannot be imported', async () => {
    project.write('deep.mjs', `import '@jwt/core/dist/index.mjs';`);
    project.write('deep.cjs', `require('@jwt/core/dist/index.cjs');`);
    project.write('manifest.mjs', `import { createRequire } from 'node:module';\nconsole.log(createRequire(import.meta.url)('@jwt/core/package.json').name);`);
    const esm = await project.runNode('deep.mjs');
    const cjs = await project.runNode('deep.cjs');
    expect(esm.code).not.toBe(0);
    expect(esm.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
    expect(cjs.code).not.toBe(0);
    expect(cjs.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
    const manifest = await project.runNode('manifest.mjs');
    expect(manifest.code).toBe(0);
    expect(manifest.stdout.trim()).toBe('@jwt/core');
  });

  test('TypeScript (node16) finds the types from both ESM and CommonJS files', async () => {
    const usage = `
const key = secretKey('pack-test-secret-that-is-at-least-32-bytes-long');
const signer: Signer = createSigner({ key, expiresIn: '5m' });
export async function check(token: string): Promise<string | undefined> {
  const { payload } = await verify<{ permissions: string[] }>(token, key, { algorithms: ['HS256'], issuer: 'pack', audience: 'pack-api' });
  const perms: string[] = payload.permissions;
  return perms[0] ?? (await signer.sign({ sub: 'x' }));
}
export function codeOf(error: unknown): JwtErrorCode | undefined {
  return isJwtError(error) ? error.code : undefined;
}`;
    project.write('typed.mts', `import { createSigner, isJwtError, secretKey, verify, type JwtErrorCode, type Signer } from '@jwt/core';\n${usage}`);
    project.write('typed.cts', `import { createSigner, isJwtError, secretKey, verify, type JwtErrorCode, type Signer } from '@jwt/core';\n${usage}`);
    const { code, stdout } = await project.typecheck(['typed.mts', 'typed.cts']);
    expect(stdout).toBe('');
    expect(code).toBe(0);
  });

  // @jwt/core/lite: the same scenario with a prepared key, and the refusal of a raw one.
  const liteScenario = `
const key = lite.secretKey('pack-test-secret-that-is-at-least-32-bytes-long');
const token = await lite.sign({ sub: 'kevin' }, key, { expiresIn: '5m' });
const other = lite.secretKey('PACK-TEST-SECRET-THAT-IS-AT-LEAST-32-BYTES-LONG');
const open = { issuer: false, audience: false };
const code = (p) => p.then(() => 'accepted', (e) => (e instanceof lite.JwtError ? e.code : 'not a JwtError: ' + e));
console.log(JSON.stringify({
  sub: (await lite.verify(token, key, open)).payload.sub,
  otherKey: await code(lite.verify(token, other, open)),
  rawKey: await code(lite.verify(token, 'pack-test-secret-that-is-at-least-32-bytes-long', open)),
  sameJwtError: lite.JwtError === full.JwtError,
  mainKeyInLite: (await lite.verify(await full.sign({ sub: 'm' }, full.secretKey('pack-test-secret-that-is-at-least-32-bytes-long'), { expiresIn: 60 }), key, open)).payload.sub,
}));
`;
  const liteExpected = { sub: 'kevin', otherKey: 'ERR_JWS_SIGNATURE_INVALID', rawKey: 'ERR_CONFIG_INVALID', sameJwtError: true, mainKeyInLite: 'm' };

  test('@jwt/core/lite resolves from ESM and CommonJS, signs and verifies, and shares its classes with the main entry', async () => {
    project.write('lite.mjs', `import * as lite from '@jwt/core/lite';\nimport * as full from '@jwt/core';\n${liteScenario}`);
    project.write('lite.cjs', `const lite = require('@jwt/core/lite');\nconst full = require('@jwt/core');\n(async () => {\n${liteScenario}\n})().catch((e) => { console.error(e); process.exit(1); });`);
    for (const file of ['lite.mjs', 'lite.cjs']) {
      const { code, stdout, stderr } = await project.runNode(file);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(JSON.parse(stdout.trim().split('\n').pop() ?? '')).toEqual(liteExpected);
    }
  });

  test('TypeScript (node16) finds the lite types from ESM and CommonJS, and they refuse a raw key', async () => {
    const usage = `
const key = secretKey('pack-test-secret-that-is-at-least-32-bytes-long');
export async function check(token: string): Promise<string | undefined> {
  const { payload } = await verify<{ permissions: string[] }>(token, key, { algorithms: ['HS256'], issuer: 'pack', audience: 'pack-api' });
  return payload.permissions[0] ?? (await sign({ sub: 'x' }, key, { expiresIn: 60 }));
}`;
    project.write('lite-typed.mts', `import { secretKey, sign, verify } from '@jwt/core/lite';\n${usage}`);
    project.write('lite-typed.cts', `import { secretKey, sign, verify } from '@jwt/core/lite';\n${usage}`);
    project.write('lite-misuse.mts', `import { verify } from '@jwt/core/lite';\nexport const p = verify('a.b.c', 'a raw secret that lite does not take', { issuer: false, audience: false });\n`);
    const { code, stdout } = await project.typecheck(['lite-typed.mts', 'lite-typed.cts', 'lite-misuse.mts']);
    expect(code).not.toBe(0);
    expect(stdout.split('\n').filter((line) => /^\S+\(\d+,\d+\): error/.test(line) && !line.startsWith('lite-misuse.mts('))).toEqual([]);
    expect(stdout).toMatch(/lite-misuse\.mts\(2,\d+\): error TS2345/);
  });

  test('TypeScript reports misuse through the packed types (they are not any)', async () => {
    project.write(
      'misuse.mts',
      `import { createSigner, type JwtErrorCode } from '@jwt/core';\nexport const signer = createSigner({ expiresIn: '5m' });\nexport const code: JwtErrorCode = 'ERR_NOT_A_CODE';\n`,
    );
    const { code, stdout } = await project.typecheck(['misuse.mts']);
    expect(code).not.toBe(0);
    // Missing `key` in the options, and a string that is not an error code.
    expect(stdout).toMatch(/misuse\.mts\(2,\d+\): error TS2345/);
    expect(stdout).toMatch(/misuse\.mts\(3,\d+\): error TS2322/);
  });
});
