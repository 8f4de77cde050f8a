import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeTempProject, localRegistryTarball, releasedRange, runCommand, workspaceDependencyVersion, type TempProject } from '../src/pack.js';

// A Nest application as `nest new` makes it: TypeScript compiled by tsc to CommonJS, decorator
// metadata on, dependencies injected by constructor type. It protects routes with the module's
// global guard, calls itself over HTTP, prints one JSON line and closes.
const main = `
import { Controller, Get, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Claims, JwtAuthModule, JwtSignerService, Public, RequirePermissions, secretKey } from '@jwt/nest';
import type { AddressInfo } from 'node:net';

const secret = 'pack-test-secret-that-is-at-least-32-bytes-long';

@Controller()
class AppController {
  constructor(private readonly signer: JwtSignerService) {}

  @Public()
  @Post('login')
  async login() {
    return { token: await this.signer.sign({ sub: 'kevin', permissions: ['view'] }) };
  }

  @Get('me')
  me(@Claims('sub') sub: string) {
    return { sub };
  }

  @RequirePermissions('admin')
  @Get('admin')
  admin() {
    return { ok: true };
  }
}

@Module({
  imports: [JwtAuthModule.forRoot({ key: secretKey(secret), issuer: 'pack', audience: 'pack-api', signOptions: { expiresIn: '5m' }, globalGuard: true })],
  controllers: [AppController],
})
class AppModule {}

async function bootstrap() {
  const app = await NestFactory.create(AppModule, { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const base = 'http://127.0.0.1:' + (app.getHttpServer().address() as AddressInfo).port;
  const call = async (path: string, token?: string) => {
    const res = await fetch(base + path, token === undefined ? {} : { headers: { authorization: 'Bearer ' + token } });
    return { status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.json() };
  };
  const login = await fetch(base + '/login', { method: 'POST' });
  const { token } = (await login.json()) as { token: string };
  const [header, payload] = token.split('.');
  const forged = header + '.' + payload + '.' + 'A'.repeat(43);
  console.log(JSON.stringify({
    login: login.status,
    none: await call('/me'),
    good: await call('/me', token),
    admin: await call('/admin', token),
    forged: await call('/me', forged),
  }));
  await app.close();
}
void bootstrap();
`;

// The compiler options \`nest new\` writes, emitting CommonJS.
const tsconfig = {
  compilerOptions: {
    module: 'commonjs',
    declaration: true,
    removeComments: true,
    emitDecoratorMetadata: true,
    experimentalDecorators: true,
    allowSyntheticDefaultImports: true,
    target: 'ES2022',
    sourceMap: true,
    outDir: './dist',
    skipLibCheck: true,
    strictNullChecks: true,
    forceConsistentCasingInFileNames: true,
    noImplicitAny: false,
    strictBindCallApply: false,
    noFallthroughCasesInSwitch: false,
    types: ['node'],
  },
  include: ['src'],
};

const expected = {
  login: 201,
  none: { status: 401, challenge: 'Bearer realm="api"', body: { error: 'missing_token' } },
  good: { status: 200, challenge: null, body: { sub: 'kevin' } },
  admin: { status: 403, challenge: 'Bearer realm="api", error="insufficient_scope"', body: { error: 'insufficient_scope' } },
  forged: {
    status: 401,
    challenge: 'Bearer realm="api", error="invalid_token", error_description="signature invalid"',
    body: { error: 'invalid_token', error_description: 'signature invalid' },
  },
};

const nest = (dependency: string): string => workspaceDependencyVersion('@jwt/nest', dependency);

describe('@jwt/nest installed by version range from the local registry into a CommonJS Nest application', () => {
  let project: TempProject;

  beforeAll(async () => {
    project = await makeTempProject({
      '@jwt/nest': releasedRange('@jwt/nest'),
      '@nestjs/common': nest('@nestjs/common'),
      '@nestjs/core': nest('@nestjs/core'),
      '@nestjs/platform-express': nest('@nestjs/platform-express'),
      'reflect-metadata': nest('reflect-metadata'),
      rxjs: nest('rxjs'),
      '@types/node': nest('@types/node'),
    });
  });
  afterAll(() => project?.remove());

  test('npm downloaded @jwt/nest and, as its dependency, @jwt/core from the local registry', () => {
    expect(project.resolvedFrom('@jwt/nest')).toMatch(localRegistryTarball('@jwt/nest'));
    expect(project.resolvedFrom('@jwt/core')).toMatch(localRegistryTarball('@jwt/core'));
  });

  test('the manifest depends on the core and leaves Nest to the app', () => {
    const manifest = project.installedManifest('@jwt/nest');
    expect(manifest.dependencies).toEqual({ '@jwt/core': expect.stringMatching(/^\^\d+\.\d+\.\d+/) });
    expect(Object.keys(manifest.peerDependencies ?? {}).sort()).toEqual(['@nestjs/common', '@nestjs/core', 'reflect-metadata', 'rxjs']);
  });

  test('compiled by tsc to CommonJS, a protected route answers 401 without a token and 200 with one', async () => {
    project.write('tsconfig.json', JSON.stringify(tsconfig, null, 2));
    project.write('src/main.ts', main);
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const compiled = await runCommand(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: project.dir, timeoutMs: 60_000 });
    expect(compiled.stdout).toBe('');
    expect(compiled.code).toBe(0);

    const { code, stdout, stderr } = await project.runNode('dist/main.js');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '')).toEqual(expected);
  });

  test('loaded twice (ESM and CommonJS builds in one process), both copies share the DI tokens and metadata keys', async () => {
    project.write(
      'dual.mjs',
      `import 'reflect-metadata';
import { createRequire } from 'node:module';
import * as esm from '@jwt/nest';
const cjs = createRequire(import.meta.url)('@jwt/nest');
console.log(JSON.stringify({
  twoCopies: esm.JwtAuthModule !== cjs.JwtAuthModule,
  options: esm.JWT_AUTH_OPTIONS === cjs.JWT_AUTH_OPTIONS && typeof esm.JWT_AUTH_OPTIONS === 'symbol',
  publicKey: esm.Public.KEY === cjs.Public.KEY,
}));`,
    );
    const { code, stdout, stderr } = await project.runNode('dual.mjs');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // Two module instances (the dual-package case), yet one set of names for Nest's injector.
    expect(JSON.parse(stdout.trim())).toEqual({ twoCopies: true, options: true, publicKey: true });
  });

  test('the compiled application is CommonJS, and loads the CommonJS build of @jwt/nest', async () => {
    project.write('which.cjs', "console.log(require.resolve('@jwt/nest'))");
    const { stdout } = await project.runNode('which.cjs');
    expect(stdout.trim()).toMatch(/node_modules\/@jwt\/nest\/dist\/index\.cjs$/);
    project.write('kind.cjs', "console.log(require('fs').readFileSync('dist/main.js', 'utf8').includes('require(\"@jwt/nest\")'))");
    expect((await project.runNode('kind.cjs')).stdout.trim()).toBe('true');
  });
});
