/**
 * Issue 16 on a real Nest application: option mistakes and unguarded decorated routes stop the
 * application at start-up, and refusals are logged through Nest's Logger with their claim.
 */
import { Controller, Get, Logger, UseGuards } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { generateSecret, sign } from '@jwt/core';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { Claims, JwtAuthGuard, JwtAuthModule, Public, RequirePermissions, type JwtAuthModuleAsyncOptions } from '../src/index.js';
import { bearer, call, PLATFORMS, startApp } from './harness.js';

const key = generateSecret();

@Controller('admin')
class UnguardedAdmin {
  @RequirePermissions('admin')
  @Get()
  admin() {
    return { ok: true };
  }

  @Get('open')
  open() {
    return { ok: true };
  }
}

@Controller('me')
class UnguardedClaims {
  @Get()
  me(@Claims('sub') sub: string) {
    return { sub };
  }
}

@Public()
@Controller('health')
class UnguardedPublic {
  @Get()
  health() {
    return { ok: true };
  }
}

@UseGuards(JwtAuthGuard)
@Controller('guarded')
class GuardedAdmin {
  @RequirePermissions('admin')
  @Get()
  admin(@Claims('sub') sub: string) {
    return { sub };
  }
}

@Controller('handler')
class HandlerGuarded {
  @UseGuards(JwtAuthGuard)
  @RequirePermissions('admin')
  @Get()
  admin() {
    return { ok: true };
  }
}

const options = { key, issuer: 'auth', audience: 'api' } as const;

async function init(platform: 'express' | 'fastify', controllers: (new () => object)[], globalGuard = false): Promise<unknown> {
  const moduleRef = await Test.createTestingModule({ imports: [JwtAuthModule.forRoot({ ...options, globalGuard })], controllers }).compile();
  const app = moduleRef.createNestApplication(platform === 'express' ? new ExpressAdapter() : new FastifyAdapter(), { logger: false });
  try {
    await app.init();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await app.close();
  }
}

describe.each(PLATFORMS)('decorated routes no JwtAuthGuard reaches, on %s', (platform) => {
  it('fail at start-up, naming every such route', async () => {
    const error = await init(platform, [UnguardedAdmin, UnguardedClaims, UnguardedPublic]);
    expect(error).toMatchObject({ code: 'ERR_CONFIG_INVALID' });
    expect((error as Error).message).toBe(
      'JwtAuthModule: UnguardedAdmin.admin, UnguardedClaims.me, UnguardedPublic.health use @RequirePermissions, @Claims or @Public but no JwtAuthGuard protects them: set globalGuard: true, or add @UseGuards(JwtAuthGuard) to the controller or handler',
    );
  });

  it('start when the guard is global, or on the controller or the handler', async () => {
    expect(await init(platform, [UnguardedAdmin, UnguardedClaims, UnguardedPublic], true)).toBeUndefined();
    expect(await init(platform, [GuardedAdmin, HandlerGuarded])).toBeUndefined();
  });
});

describe('JwtAuthModule options', () => {
  const bootstrap = (useFactory: JwtAuthModuleAsyncOptions['useFactory']) => Test.createTestingModule({ imports: [JwtAuthModule.forRootAsync({ useFactory })] }).compile();

  it('a misspelled option in forRootAsync does not compile, and stops the application', async () => {
    // @ts-expect-error `audiance` is not an option: the factory's return type is exact
    JwtAuthModule.forRootAsync({ useFactory: () => ({ key, issuer: 'auth', audience: 'api', audiance: 'api' }) });
    // @ts-expect-error the same through an async factory
    JwtAuthModule.forRootAsync({ useFactory: async () => ({ key, issuer: 'auth', audience: 'api', headerName: 'x' }) });
    // @ts-expect-error issuer missing
    JwtAuthModule.forRootAsync({ useFactory: () => ({ key, audience: 'api' }) });
    expectTypeOf(JwtAuthModule.forRootAsync({ useFactory: () => ({ key, issuer: 'auth', audience: 'api' }) })).not.toBeNever();
    const factory = (() => ({ key, issuer: 'auth', audience: 'api', audiance: 'api' })) as unknown as JwtAuthModuleAsyncOptions['useFactory'];
    await expect(bootstrap(factory)).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID', message: 'JwtAuthModule: unknown option "audiance" (did you mean "audience"?)' });
  });

  it('an unset environment variable, a wrong type and signOptions without expiresIn stop it too', async () => {
    const env: Record<string, string | undefined> = {};
    await expect(bootstrap(() => ({ key, issuer: env.JWT_ISSUER as string, audience: 'api' }))).rejects.toThrow('JwtAuthModule: issuer is undefined (is an environment variable unset?)');
    await expect(bootstrap(() => ({ key, issuer: 'auth', audience: 'api', permissionsClaim: 42 as unknown as string }))).rejects.toThrow('JwtAuthModule: permissionsClaim must be a string, not number');
    await expect(bootstrap(() => ({ key, issuer: 'auth', audience: 'api', signOptions: { jwtId: true } }))).rejects.toThrow('JwtAuthModule: signOptions.expiresIn is required');
    await expect(bootstrap(() => ({ key, issuer: 'auth', audience: 'api', signOptions: { expiresin: '1h' } as never }))).rejects.toThrow('JwtAuthModule signOptions: unknown option "expiresin" (did you mean "expiresIn"?)');
    const ok = await bootstrap(() => ({ key, issuer: 'auth', audience: 'api', signOptions: { expiresIn: '15m' } }));
    await ok.close();
  });
});

@Controller()
class Routes {
  @UseGuards(JwtAuthGuard)
  @RequirePermissions('admin')
  @Get('admin')
  admin() {
    return { ok: true };
  }
}

describe('refusals are logged through the Nest Logger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('warns with the code and the failing claim, never the token; the answer keeps its fixed text', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const server = await startApp('express', { imports: [JwtAuthModule.forRoot(options)], controllers: [Routes] });
    try {
      const noAud = await sign({ sub: 'k', iss: 'auth' }, key, { expiresIn: 60 });
      const answer = await call(server.url, '/admin', bearer(noAud));
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toEqual({ error: 'invalid_token', error_description: 'required claim missing' });
      const viewer = await sign({ sub: 'k', permissions: ['view'] }, key, { expiresIn: 60, issuer: 'auth', audience: 'api' });
      expect((await call(server.url, '/admin', bearer(viewer))).status).toBe(403);
      const admin = await sign({ sub: 'k', permissions: ['admin'] }, key, { expiresIn: 60, issuer: 'auth', audience: 'api' });
      expect((await call(server.url, '/admin', bearer(admin))).status).toBe(200);
      const lines = warn.mock.calls.map((c) => String(c[0]));
      expect(lines).toEqual(['request refused with 401: ERR_JWT_CLAIM_MISSING (claim missing: aud)', 'request refused with 403: ERR_INSUFFICIENT_SCOPE (insufficient scope)']);
      for (const line of lines) expect(line).not.toContain(noAud.split('.')[1]!);
    } finally {
      await server.close();
    }
  });

  it('onFailure replaces the default logging', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const seen: string[] = [];
    const server = await startApp('express', { imports: [JwtAuthModule.forRoot({ ...options, onFailure: (e) => seen.push(e.reason) })], controllers: [Routes] });
    try {
      expect((await call(server.url, '/admin')).status).toBe(401);
      expect(seen).toEqual(['token missing']);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      await server.close();
    }
  });
});
