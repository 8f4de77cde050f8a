/**
 * The verifier cache, on both backends. A hit is observed through a counting key resolver (a hit
 * never asks for keys), never through timing. A cached token must still expire, still be
 * revocable, never answer for another token, and the cache must stay bounded.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createVerifier, secretKey, sign, type JwsHeader, type JwtClaims, type JwtKey, type RevocationChecker } from '../src/index.js';
import { BACKENDS, expectJwtError, onBackend, OTHER_SECRET, SECRET, tokenParts } from './helpers.js';

const T0 = 1_700_000_000;

describe.each(BACKENDS)('verifier cache on the %s backend', (backend) => {
  onBackend(backend);

  let key: JwtKey;
  let other: JwtKey;
  beforeAll(() => {
    key = secretKey(SECRET);
    other = secretKey(OTHER_SECRET);
  });

  /** A clock the test moves, and a resolver that counts how often keys were needed (cache misses). */
  function setup(cache: boolean | { max?: number } = true, extra: { revocation?: RevocationChecker } = {}) {
    let now = T0 * 1000;
    let lookups = 0;
    const verifier = createVerifier({ issuer: false, audience: false,
      key: () => {
        lookups++;
        return key;
      },
      clock: () => now,
      cache,
      ...extra,
    });
    return {
      verifier,
      lookups: () => lookups,
      advance: (seconds: number) => {
        now += seconds * 1000;
      },
    };
  }

  const at = (seconds: number) => () => seconds * 1000;
  const token = (claims: JwtClaims, signer: JwtKey = key, expiresIn = 60) => sign(claims, signer, { expiresIn, clock: at(T0) });

  it('a hit returns the same result without looking up keys again; without a cache every call does', async () => {
    const { verifier, lookups } = setup();
    const t = await token({ sub: 'alice' });
    const first = await verifier.verify(t);
    const second = await verifier.verify(t);
    expect(second.payload).toBe(first.payload);
    expect(second.payload.sub).toBe('alice');
    expect(lookups()).toBe(1);
    const uncached = setup(false);
    await uncached.verifier.verify(t);
    await uncached.verifier.verify(t);
    expect(uncached.lookups()).toBe(2);
  });

  it('never serves a token past its exp', async () => {
    const { verifier, lookups, advance } = setup();
    const t = await token({ sub: 'alice' }, key, 10);
    await verifier.verify(t);
    advance(9);
    expect((await verifier.verify(t)).payload.sub).toBe('alice');
    advance(1);
    // Judged on the cached entry (no key lookup), which is then dropped.
    await expectJwtError(verifier.verify(t), 'ERR_JWT_EXPIRED', tokenParts(t));
    expect(lookups()).toBe(1);
    await expectJwtError(verifier.verify(t), 'ERR_JWT_EXPIRED');
    expect(lookups()).toBe(2);
  });

  it('a token is not cached before its nbf: refused, then accepted once valid', async () => {
    const { verifier, advance } = setup();
    const t = await sign({ sub: 'later' }, key, { expiresIn: 60, notBefore: 5, clock: at(T0) });
    await expectJwtError(verifier.verify(t), 'ERR_JWT_NOT_YET_VALID');
    advance(5);
    expect((await verifier.verify(t)).payload.sub).toBe('later');
  });

  it('re-checks maxTokenAge on a hit', async () => {
    let now = T0 * 1000;
    const verifier = createVerifier({ issuer: false, audience: false, key, clock: () => now, cache: true, maxTokenAge: 30 });
    const t = await token({ sub: 'alice' }, key, 600);
    await verifier.verify(t);
    now += 31_000;
    await expectJwtError(verifier.verify(t), 'ERR_JWT_EXPIRED');
  });

  it('one token never answers for another with the same header and payload', async () => {
    const { verifier } = setup();
    const genuine = await token({ sub: 'alice', role: 'user' });
    await verifier.verify(genuine);
    const forged = await token({ sub: 'alice', role: 'user' }, other);
    const [h, p, s] = genuine.split('.') as [string, string, string];
    expect(forged.split('.').slice(0, 2)).toEqual([h, p]);
    expect(forged).not.toBe(genuine);
    await expectJwtError(verifier.verify(forged), 'ERR_JWS_SIGNATURE_INVALID', tokenParts(forged));
    const flipped = Buffer.from(s, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    await expectJwtError(verifier.verify(`${h}.${p}.${flipped.toString('base64url')}`), 'ERR_JWS_SIGNATURE_INVALID');
    // A failed token is not cached either: it fails the same way again.
    await expectJwtError(verifier.verify(forged), 'ERR_JWS_SIGNATURE_INVALID');
    expect((await verifier.verify(genuine)).payload.role).toBe('user');
  });

  it('a forgery that reuses a cached token\'s signature is a miss that fails, and leaves the genuine entry alone', async () => {
    const { verifier, lookups } = setup();
    const genuine = await token({ sub: 'alice', role: 'user' });
    await verifier.verify(genuine);
    const [h, p, s] = genuine.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as JwtClaims;
    for (const forgedPayload of [{ ...payload, role: 'admin' }, { ...payload, sub: 'mallory' }]) {
      const forged = `${h}.${Buffer.from(JSON.stringify(forgedPayload)).toString('base64url')}.${s}`;
      await expectJwtError(verifier.verify(forged), 'ERR_JWS_SIGNATURE_INVALID', tokenParts(forged));
    }
    // A short token ending like the genuine one, too.
    await expectJwtError(verifier.verify(`x.${s}`), 'ERR_JWT_MALFORMED');
    expect(lookups()).toBe(3);
    expect((await verifier.verify(genuine)).payload.role).toBe('user');
    expect(lookups()).toBe(3);
  });

  it('a flood of forged tokens never enters the cache nor pushes out the tokens in it', async () => {
    const { verifier, lookups } = setup({ max: 3 });
    const genuine = await Promise.all([token({ sub: '1' }), token({ sub: '2' }), token({ sub: '3' })]);
    for (const t of genuine) await verifier.verify(t);
    const forged = await Promise.all(Array.from({ length: 200 }, (_, i) => token({ sub: `f${i}` }, other)));
    for (const t of forged) await expectJwtError(verifier.verify(t), 'ERR_JWS_SIGNATURE_INVALID');
    expect(lookups()).toBe(203);
    for (const t of genuine) expect((await verifier.verify(t)).payload.sub).toBeDefined();
    expect(lookups()).toBe(203);
  });

  it('is bounded: beyond max entries the least recently used is evicted', async () => {
    const { verifier, lookups } = setup({ max: 2 });
    const [t1, t2, t3] = await Promise.all([token({ sub: '1' }), token({ sub: '2' }), token({ sub: '3' })]);
    await verifier.verify(t1!);
    await verifier.verify(t2!);
    expect(lookups()).toBe(2);
    await verifier.verify(t1!); // hit: t1 becomes the most recent
    expect(lookups()).toBe(2);
    await verifier.verify(t3!); // evicts t2
    expect(lookups()).toBe(3);
    await verifier.verify(t1!);
    await verifier.verify(t3!);
    expect(lookups()).toBe(3);
    await verifier.verify(t2!); // evicted: a miss
    expect(lookups()).toBe(4);
  });

  it('stays bounded under many distinct tokens', async () => {
    const { verifier, lookups } = setup({ max: 5 });
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => token({ sub: String(i) })));
    for (const t of tokens) await verifier.verify(t);
    expect(lookups()).toBe(50);
    for (const t of tokens.slice(-5)) await verifier.verify(t);
    expect(lookups()).toBe(50);
    await verifier.verify(tokens[0]!);
    expect(lookups()).toBe(51);
  });

  it('consults revocation on every hit, synchronous or not, with the signed claims', async () => {
    const revoked = new Set<string>();
    const seen: [JwtClaims, JwsHeader][] = [];
    const checker: RevocationChecker = {
      isRevoked(claims, header) {
        seen.push([claims, header]);
        return revoked.has(claims.jti ?? '');
      },
    };
    const { verifier, lookups } = setup(true, { revocation: checker });
    const t = await sign({ sub: 'alice' }, key, { expiresIn: 60, jwtId: 'jti-1', clock: at(T0) });
    await verifier.verify(t);
    await verifier.verify(t);
    expect(seen).toHaveLength(2);
    expect(seen[1]![0].jti).toBe('jti-1');
    expect(seen[1]![1].alg).toBe('HS256');
    revoked.add('jti-1');
    await expectJwtError(verifier.verify(t), 'ERR_JWT_REVOKED', tokenParts(t));
    expect(lookups()).toBe(1);
    revoked.delete('jti-1');
    expect((await verifier.verify(t)).payload.jti).toBe('jti-1');

    const asyncRevoked = setup(true, { revocation: { isRevoked: async (c) => revoked.has(c.jti ?? '') } });
    await asyncRevoked.verifier.verify(t);
    revoked.add('jti-1');
    await expectJwtError(asyncRevoked.verifier.verify(t), 'ERR_JWT_REVOKED');
  });

  it('a revocation store that fails makes the token fail, cached or not', async () => {
    let down = false;
    const { verifier } = setup(true, {
      revocation: {
        isRevoked() {
          if (down) throw new Error('connection refused');
          return false;
        },
      },
    });
    const t = await token({ sub: 'alice' });
    await verifier.verify(t);
    down = true;
    await expectJwtError(verifier.verify(t), 'ERR_REVOCATION_UNAVAILABLE');
    const rejecting = setup(true, { revocation: { isRevoked: () => Promise.reject(new Error('timeout')) } });
    await expectJwtError(rejecting.verifier.verify(t), 'ERR_REVOCATION_UNAVAILABLE');
  });

  it('with a schema that drops exp and jti, hits still expire and revocation still sees jti', async () => {
    let now = T0 * 1000;
    const jtis: (string | undefined)[] = [];
    const verifier = createVerifier({ issuer: false, audience: false,
      key,
      clock: () => now,
      cache: true,
      schema: z.object({ sub: z.string() }),
      revocation: { isRevoked: (claims) => (jtis.push(claims.jti), false) },
    });
    const t = await sign({ sub: 'alice' }, key, { expiresIn: 10, jwtId: 'j-9', clock: at(T0) });
    expect((await verifier.verify(t)).payload).toEqual({ sub: 'alice' });
    expect((await verifier.verify(t)).payload).toEqual({ sub: 'alice' });
    expect(jtis).toEqual(['j-9', 'j-9']);
    now += 10_000;
    await expectJwtError(verifier.verify(t), 'ERR_JWT_EXPIRED');
  });

  it('refuses a nonsensical size', () => {
    for (const max of [0, -1, 1.5, Number.NaN, 100_001, Number.POSITIVE_INFINITY, '10', null]) {
      expect(() => createVerifier({ issuer: false, audience: false, key, cache: { max: max as never } })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    }
  });

  it('refuses any other form of the option, naming the right one; accepts true, false, {} and { max }', () => {
    const cases: [unknown, RegExp][] = [
      ['yes', /cache must be a boolean or an object, not string/],
      [1, /cache must be a boolean or an object, not number/],
      [null, /cache must be a boolean or an object, not null/],
      [[], /cache must be a boolean or an object, not array/],
      [{ size: 10 }, /cache: unknown option "size"/],
      [{ mas: 10 }, /cache: unknown option "mas" \(did you mean "max"\?\)/],
      [{ max: 10, ttl: 5 }, /cache: unknown option "ttl"/],
      [{ max: undefined }, /cache: max is undefined/],
    ];
    for (const [cache, message] of cases) {
      expect(() => createVerifier({ issuer: false, audience: false, key, cache: cache as never })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(message) }));
    }
    for (const cache of [true, false, {}, { max: 1 }, { max: 100_000 }]) {
      expect(() => createVerifier({ issuer: false, audience: false, key, cache })).not.toThrow();
    }
    expect(() => createVerifier({ issuer: false, audience: false, key, cache: undefined as never })).not.toThrow();
  });

  it('size and type checks still apply before the cache', async () => {
    const { verifier } = setup();
    await expectJwtError(verifier.verify('x'.repeat(9000)), 'ERR_JWT_TOO_LARGE');
    await expectJwtError(verifier.verify(undefined as never), 'ERR_JWT_MALFORMED');
  });
});
