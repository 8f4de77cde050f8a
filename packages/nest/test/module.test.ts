import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Body, Controller, Get, Inject, Injectable, Module, Post, UseGuards } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  decodeUnverified,
  exportJwk,
  generateKeyPair,
  generateSecret,
  keyRing,
  keySet,
  publicKeyOf,
  remoteJwks,
  secretKey,
  sign,
  type JwtClaims,
  type JwtKey,
} from '@jwt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Claims, JwtAuthGuard, JwtAuthModule, JwtSignerService, type JwtAuthOptions } from '../src/index.js';
import { bearer, call, invalidToken, MISSING, PLATFORMS, REALM, shape, startApp, type RunningApp } from './harness.js';

const SECRET = 'a configuration secret of more than 32 bytes';

@Controller()
class AuthController {
  constructor(private readonly signer: JwtSignerService) {}

  @Post('login')
  async login(@Body() body: { sub: string; long?: boolean }) {
    const token = await this.signer.sign({ sub: body.sub, permissions: ['view'] }, body.long === true ? { expiresIn: '1h' } : undefined);
    return { token };
  }

  @UseGuards(JwtAuthGuard)
  @Get('me')
  me(@Claims() claims: JwtClaims) {
    return claims;
  }
}

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe.each(PLATFORMS)('JwtAuthModule.forRootAsync with ConfigService on %s', (platform) => {
  let server: RunningApp;

  beforeAll(async () => {
    server = await startApp(platform, {
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ JWT_SECRET: SECRET, JWT_ISSUER: 'config-issuer' })] }),
        JwtAuthModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            key: secretKey(config.getOrThrow<string>('JWT_SECRET')),
            issuer: config.getOrThrow<string>('JWT_ISSUER'),
            audience: 'config-api',
            realm: REALM,
            signOptions: { expiresIn: 120, jwtId: true },
          }),
        }),
      ],
      controllers: [AuthController],
    });
  });
  afterAll(() => server.close());

  it('signs with the configured key and defaults, and the guard accepts the token', async () => {
    const { token } = (await (await post(`${server.url}/login`, { sub: 'kevin' })).json()) as { token: string };
    const { payload } = decodeUnverified(token);
    expect(payload).toMatchObject({ sub: 'kevin', iss: 'config-issuer', aud: 'config-api', permissions: ['view'] });
    expect(payload.exp! - payload.iat!).toBe(120);
    expect(typeof payload.jti).toBe('string');
    const me = await call(server.url, '/me', bearer(token));
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toEqual(payload);
  });

  it('lets one call override the sign defaults, but not the key', async () => {
    const { token } = (await (await post(`${server.url}/login`, { sub: 'kevin', long: true })).json()) as { token: string };
    const { payload } = decodeUnverified(token);
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.iss).toBe('config-issuer');
    expect((await call(server.url, '/me', bearer(token))).status).toBe(200);
  });

  it('refuses a token signed with another secret, or for another issuer', async () => {
    const forged = await sign({ sub: 'kevin' }, secretKey('another configuration secret, 32 bytes+'), { expiresIn: 60, issuer: 'config-issuer', audience: 'config-api' });
    expect(shape(await call(server.url, '/me', bearer(forged)))).toEqual(invalidToken('signature invalid'));
    const foreign = await sign({ sub: 'kevin' }, secretKey(SECRET), { expiresIn: 60, issuer: 'elsewhere', audience: 'config-api' });
    expect(shape(await call(server.url, '/me', bearer(foreign)))).toEqual(invalidToken('issuer invalid'));
  });
});

describe.each(PLATFORMS)('key sets, key rings and JWKS on %s', (platform) => {
  let current: JwtKey;
  let previous: JwtKey;
  let stranger: JwtKey;
  let jwksServer: Server;
  let jwksUrl: string;

  beforeAll(async () => {
    current = (await generateKeyPair('ES256', { kid: 'current' })).privateKey;
    previous = (await generateKeyPair('ES256', { kid: 'previous' })).privateKey;
    stranger = (await generateKeyPair('ES256', { kid: 'previous' })).privateKey;
    const jwks = JSON.stringify({ keys: [await exportJwk(publicKeyOf(current)), await exportJwk(publicKeyOf(previous))] });
    jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

  // These cases are about keys: the issuer and audience checks are opted out explicitly.
  const check = async (options: () => Partial<JwtAuthOptions> | Promise<Partial<JwtAuthOptions>>) => {
    const server = await startApp(platform, {
      imports: [JwtAuthModule.forRootAsync({ useFactory: async (): Promise<JwtAuthOptions> => ({ issuer: false, audience: false, ...(await options()), realm: REALM }) as JwtAuthOptions })],
      controllers: [AuthController],
    });
    try {
      for (const key of [current, previous]) {
        const ok = await call(server.url, '/me', bearer(await sign({ sub: key.kid! }, key, { expiresIn: 60 })));
        expect(ok.status).toBe(200);
        expect(JSON.parse(ok.body)).toMatchObject({ sub: key.kid });
      }
      const forged = await sign({ sub: 'mallory' }, stranger, { expiresIn: 60 });
      expect(shape(await call(server.url, '/me', bearer(forged)))).toEqual(invalidToken('signature invalid'));
      const unknownKid = await sign({ sub: 'mallory' }, stranger.withKid('unknown'), { expiresIn: 60 });
      expect(shape(await call(server.url, '/me', bearer(unknownKid)))).toEqual(invalidToken('no matching key'));
      return server;
    } catch (error) {
      await server.close();
      throw error;
    }
  };

  it('verifies with a key set from an async factory; the signer is unavailable without signOptions.key', async () => {
    const server = await check(async () => ({ key: keySet([publicKeyOf(current), publicKeyOf(previous)]) }));
    try {
      const signer = server.app.get(JwtSignerService);
      await expect(signer.sign({ sub: 'kevin' })).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
    } finally {
      await server.close();
    }
  });

  it('verifies with a remote JWKS, and signs with signOptions.key', async () => {
    const server = await check(() => ({ key: remoteJwks(jwksUrl), signOptions: { key: current, expiresIn: 60 } }));
    try {
      const { token } = (await (await post(`${server.url}/login`, { sub: 'kevin' })).json()) as { token: string };
      expect(decodeUnverified(token).header.kid).toBe('current');
      expect((await call(server.url, '/me', bearer(token))).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['a URL', () => new URL(jwksUrl)],
    ['an http:// string', () => jwksUrl],
  ])('verifies with a JWKS given as %s key, fetched from the endpoint', async (_name, url) => {
    const server = await check(() => ({ key: url() }));
    try {
      // Nothing can sign with a JWKS location: the signer is unavailable, the URL text never became a secret.
      await expect(server.app.get(JwtSignerService).sign({ sub: 'kevin' })).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
    } finally {
      await server.close();
    }
  });

  it('answers 401 key set unavailable, not 500, when the JWKS URL cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = new URL(`http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const server = await startApp(platform, { imports: [JwtAuthModule.forRoot({ issuer: false, audience: false, key: deadUrl, realm: REALM })], controllers: [AuthController] });
    try {
      const token = await sign({ sub: 'kevin' }, current, { expiresIn: 60 });
      expect(shape(await call(server.url, '/me', bearer(token)))).toEqual(invalidToken('key set unavailable'));
    } finally {
      await server.close();
    }
  });

  it('signs with the active key of a key ring and verifies the keys it replaced', async () => {
    const server = await check(() => ({ key: keyRing({ active: current, verifyOnly: [previous] }), signOptions: { expiresIn: 60 } }));
    try {
      const { token } = (await (await post(`${server.url}/login`, { sub: 'kevin' })).json()) as { token: string };
      expect(decodeUnverified(token).header).toMatchObject({ alg: 'ES256', kid: 'current' });
      expect((await call(server.url, '/me', bearer(token))).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

@Controller('feature')
@UseGuards(JwtAuthGuard)
class FeatureController {
  @Get()
  feature(@Claims('sub') sub: string) {
    return { sub };
  }
}

@Module({ controllers: [FeatureController] })
class FeatureModule {}

describe.each(PLATFORMS)('global and scoped registration on %s', (platform) => {
  const key = generateSecret();

  it('global: true makes the guard usable in modules that do not import JwtAuthModule', async () => {
    const server = await startApp(platform, { imports: [JwtAuthModule.forRoot({ issuer: false, audience: false, key, global: true, realm: REALM }), FeatureModule] });
    try {
      expect(shape(await call(server.url, '/feature'))).toEqual(MISSING);
      expect((await call(server.url, '/feature', bearer(await sign({ sub: 'kevin' }, key, { expiresIn: 60 })))).body).toBe('{"sub":"kevin"}');
    } finally {
      await server.close();
    }
  });

  it('without global, such a module cannot resolve the guard and the application does not start', async () => {
    await expect(Test.createTestingModule({ imports: [JwtAuthModule.forRoot({ issuer: false, audience: false, key }), FeatureModule] }).compile()).rejects.toThrow(/JwtAuthGuard|JWT_AUTH_RUNTIME/);
  });

  it('forRootAsync honours global too', async () => {
    const server = await startApp(platform, { imports: [JwtAuthModule.forRootAsync({ global: true, useFactory: () => ({ key, issuer: false, audience: false }) }), FeatureModule] });
    try {
      expect((await call(server.url, '/feature', bearer(await sign({ sub: 'kevin' }, key, { expiresIn: 60 })))).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

@Injectable()
class NeedsSigner {
  constructor(@Inject(JwtSignerService) readonly signer: JwtSignerService) {}
}

describe('configuration mistakes stop the application at bootstrap', () => {
  const bootstrap = (options: Partial<JwtAuthOptions>) =>
    Test.createTestingModule({ imports: [JwtAuthModule.forRootAsync({ useFactory: (): JwtAuthOptions => ({ issuer: false, audience: false, ...options }) as JwtAuthOptions })], providers: [NeedsSigner] }).compile();

  it('accepts a valid configuration', async () => {
    const moduleRef = await bootstrap({ key: SECRET, signOptions: { expiresIn: 60 } });
    const token = await moduleRef.get(NeedsSigner).signer.sign({ sub: 'k' }, { expiresIn: 60 });
    expect(decodeUnverified(token).payload.sub).toBe('k');
    await moduleRef.close();
  });

  it.each<[string, Partial<JwtAuthOptions>, string]>([
    ['a weak secret', { key: 'short' }, 'ERR_KEY_WEAK'],
    ['no key', { key: undefined as unknown as string }, 'ERR_CONFIG_INVALID'],
    ['a PEM public key given as an HMAC secret', { key: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }, 'ERR_KEY_INVALID'],
    ['an empty permissionsClaim', { key: SECRET, permissionsClaim: '' }, 'ERR_CONFIG_INVALID'],
    ['signOptions with a verification-only key', { key: keySet([generateSecret()]), signOptions: { expiresIn: 60 } }, 'ERR_CONFIG_INVALID'],
    ['signOptions with a JWKS URL as the only key', { key: new URL('http://127.0.0.1:9/jwks.json'), signOptions: { expiresIn: 60 } }, 'ERR_CONFIG_INVALID'],
    ['an invalid cookie name', { key: SECRET, cookie: 'bad name' }, 'ERR_CONFIG_INVALID'],
    ['an unknown algorithm', { key: SECRET, algorithms: ['HS1' as 'HS256'] }, 'ERR_CONFIG_INVALID'],
    ['algorithms the key cannot serve', { key: SECRET, algorithms: ['RS256'] }, 'ERR_CONFIG_INVALID'],
    ['signOptions without expiresIn', { key: SECRET, signOptions: { jwtId: true } }, 'ERR_CONFIG_INVALID'],
  ])('refuses %s', async (_name, options, code) => {
    await expect(bootstrap(options)).rejects.toMatchObject({ code });
  });

  it('refuses signing with a public key', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    await expect(bootstrap({ key: publicKey, signOptions: { key: publicKey, expiresIn: 60 } })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
  });
});

describe('JwtAuthGuard outside HTTP', () => {
  it('refuses other transports instead of letting them through', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [JwtAuthModule.forRoot({ issuer: false, audience: false, key: generateSecret() })] }).compile();
    const guard = moduleRef.get(JwtAuthGuard);
    const rpc = { getType: () => 'rpc', getClass: () => Object, getHandler: () => () => undefined } as unknown as Parameters<JwtAuthGuard['canActivate']>[0];
    await expect(guard.canActivate(rpc)).resolves.toBe(false);
    await moduleRef.close();
  });
});
