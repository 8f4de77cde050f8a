/**
 * The `cache` option of JwtAuthModule on real Nest applications (Express and Fastify). A hit is
 * observed through a key resolver that counts lookups (a hit never asks for a key), never through
 * timing. A cached token must still expire, still be refused once revoked (logout), still honour
 * `nbf`, and the cache must stay bounded; it is off unless asked for, and a malformed option
 * stops the application at bootstrap.
 */
import { Controller, Get, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MemoryRevocationStore, secretKey, sign, type JwtClaims } from '@jwt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Claims, JwtAuthGuard, JwtAuthModule } from '../src/index.js';
import { bearer, call, invalidToken, PLATFORMS, REALM, startApp, type RunningApp } from './harness.js';

const SECRET = 'nest-cache-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';
const OTHER_SECRET = 'nest-cache-other-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';
const ISSUER = 'auth';
const AUDIENCE = 'api';
const T0 = 1_700_000_000;

@Controller()
class MeController {
  @UseGuards(JwtAuthGuard)
  @Get('me')
  me(@Claims() claims: JwtClaims) {
    return claims;
  }
}

interface Fixture {
  server: RunningApp;
  store: MemoryRevocationStore;
  lookups(): number;
  setTime(seconds: number): void;
}

async function fixture(platform: (typeof PLATFORMS)[number], cache?: boolean | { max?: number }): Promise<Fixture> {
  let now = T0 * 1000;
  let lookups = 0;
  const key = secretKey(SECRET);
  const store = new MemoryRevocationStore({ clock: () => now });
  const server = await startApp(platform, {
    imports: [
      JwtAuthModule.forRoot({
        key: () => {
          lookups++;
          return key;
        },
        issuer: ISSUER,
        audience: AUDIENCE,
        realm: REALM,
        revocation: store,
        clock: () => now,
        ...(cache === undefined ? {} : { cache }),
      }),
    ],
    controllers: [MeController],
  });
  return {
    server,
    store,
    lookups: () => lookups,
    setTime: (seconds) => {
      now = seconds * 1000;
    },
  };
}

const token = (claims: JwtClaims, options: { expiresIn?: number; notBefore?: number; secret?: string } = {}): Promise<string> =>
  sign({ iss: ISSUER, aud: AUDIENCE, ...claims }, secretKey(options.secret ?? SECRET), { expiresIn: options.expiresIn ?? 60, jwtId: true, clock: () => T0 * 1000, ...(options.notBefore === undefined ? {} : { notBefore: options.notBefore }) });

const claimsOf = (t: string): JwtClaims => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as JwtClaims;

async function me(f: Fixture, t: string) {
  const answer = await call(f.server.url, '/me', bearer(t));
  return { status: answer.status, body: answer.body, wwwAuthenticate: answer.wwwAuthenticate };
}

const sub = async (f: Fixture, t: string): Promise<unknown> => {
  const answer = await me(f, t);
  return answer.status === 200 ? (JSON.parse(answer.body) as JwtClaims).sub : answer.status;
};

describe.each(PLATFORMS)('JwtAuthModule({ cache }) on %s', (platform) => {
  const running: Fixture[] = [];
  const start = async (cache?: boolean | { max?: number }): Promise<Fixture> => {
    const f = await fixture(platform, cache);
    running.push(f);
    return f;
  };
  afterAll(async () => {
    await Promise.all(running.map((f) => f.server.close()));
  });

  let off: Fixture;
  let on: Fixture;
  beforeAll(async () => {
    off = await start();
    on = await start(true);
  });

  it('is off by default: the same token is verified again on every request; with cache: true only once', async () => {
    const t = await token({ sub: 'kevin' });
    expect(await sub(off, t)).toBe('kevin');
    expect(await sub(off, t)).toBe('kevin');
    expect(off.lookups()).toBe(2);
    const before = on.lookups();
    const first = await me(on, t);
    const second = await me(on, t);
    expect(first.status).toBe(200);
    expect(second).toEqual(first);
    expect(JSON.parse(second.body)).toMatchObject({ sub: 'kevin', iss: ISSUER, aud: AUDIENCE, exp: T0 + 60 });
    expect(on.lookups() - before).toBe(1);
  });

  it('refuses a cached token once its exp has passed, from the cache', async () => {
    const f = await start(true);
    const t = await token({ sub: 'kevin' }, { expiresIn: 10 });
    expect(await sub(f, t)).toBe('kevin');
    f.setTime(T0 + 9);
    expect(await sub(f, t)).toBe('kevin');
    f.setTime(T0 + 10);
    expect(await me(f, t)).toEqual(invalidToken('token expired'));
    expect(f.lookups()).toBe(1);
  });

  it('refuses a cached token once it is revoked (logout), and keeps serving the others', async () => {
    const f = await start(true);
    const t = await token({ sub: 'kevin' });
    const other = await token({ sub: 'kevin' });
    expect(await sub(f, t)).toBe('kevin');
    expect(await sub(f, other)).toBe('kevin');
    f.store.revokeToken(claimsOf(t));
    expect(await me(f, t)).toEqual(invalidToken('token revoked'));
    expect(await sub(f, other)).toBe('kevin');
    f.store.revokeSubject('kevin');
    expect(await me(f, other)).toEqual(invalidToken('token revoked'));
    expect(f.lookups()).toBe(2);
  });

  it('checks nbf on every hit: not cached before it, served after it, refused if the clock goes back before it', async () => {
    const f = await start(true);
    const t = await token({ sub: 'kevin' }, { notBefore: 5 });
    expect(await me(f, t)).toEqual(invalidToken('token not yet valid'));
    f.setTime(T0 + 5);
    expect(await sub(f, t)).toBe('kevin');
    expect(await sub(f, t)).toBe('kevin');
    expect(f.lookups()).toBe(2);
    f.setTime(T0 + 4);
    expect(await me(f, t)).toEqual(invalidToken('token not yet valid'));
  });

  it('stays bounded under a flood of distinct tokens, and forged ones never enter it', async () => {
    const f = await start({ max: 5 });
    const tokens = await Promise.all(Array.from({ length: 30 }, (_, i) => token({ sub: `user${i}` })));
    for (const t of tokens) expect((await me(f, t)).status).toBe(200);
    expect(f.lookups()).toBe(30);
    const forged = await Promise.all(Array.from({ length: 30 }, (_, i) => token({ sub: `forged${i}` }, { secret: OTHER_SECRET })));
    for (const t of forged) expect(await me(f, t)).toEqual(invalidToken('signature invalid'));
    expect(f.lookups()).toBe(60);
    for (const t of tokens.slice(-5)) expect((await me(f, t)).status).toBe(200);
    expect(f.lookups()).toBe(60);
    expect(await sub(f, tokens[0]!)).toBe('user0');
    expect(f.lookups()).toBe(61);
  });
});

describe('JwtAuthModule refuses a malformed cache option at bootstrap', () => {
  it.each([['yes'], [1], [null], [{ size: 10 }], [{ mx: 10 }], [{ max: undefined }], [{ max: 0 }], [{ max: 1_000_000 }]])('cache: %j', async (cache) => {
    const compiling = Test.createTestingModule({
      imports: [JwtAuthModule.forRoot({ key: secretKey(SECRET), issuer: 'auth', audience: 'api', cache: cache as never })],
      controllers: [MeController],
    }).compile();
    await expect(compiling).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID' });
  });

  it('and accepts { max }', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [JwtAuthModule.forRoot({ key: secretKey(SECRET), issuer: 'auth', audience: 'api', cache: { max: 10 } })], controllers: [MeController] }).compile();
    await moduleRef.close();
  });
});
