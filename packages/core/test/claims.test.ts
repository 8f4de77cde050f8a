/**
 * Claim validation through verify(), with an injected clock, on both backends: expiry and its
 * boundary, leeway, nbf, iat, maximum age, issuer, audience, subject, required claims, typ, and
 * the configuration mistakes that must fail when the verifier is built.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createVerifier, secretKey, sign, verify, type JwtClaims, type JwtKey, type VerifyOptions } from '../src/index.js';
import { BACKENDS, craftJson, expectJwtError, onBackend, SECRET } from './helpers.js';

const NOW = 1_700_000_000; // seconds
const clock = () => NOW * 1000;

describe.each(BACKENDS)('claims on the %s backend', (backend) => {
  onBackend(backend);

  let key: JwtKey;
  beforeAll(() => {
    key = secretKey(SECRET);
  });

  /** A token with exactly these claims (nothing added), and its verification at NOW. */
  const tok = (claims: JwtClaims, header: Record<string, unknown> = {}) => craftJson({ alg: 'HS256', ...header }, claims);
  // Most cases are about one claim: iss and aud checks are opted out unless a case sets them.
  const ok = async (claims: JwtClaims, options: Partial<VerifyOptions> = {}, header: Record<string, unknown> = {}) =>
    (await verify(tok(claims, header), key, { issuer: false, audience: false, clock, ...options })).payload;
  const fails = async (claims: JwtClaims, code: Parameters<typeof expectJwtError>[1], options: Partial<VerifyOptions> = {}, header: Record<string, unknown> = {}) =>
    expectJwtError(verify(tok(claims, header), key, { issuer: false, audience: false, clock, ...options }), code);

  describe('exp', () => {
    it('is required by default, and optional with requireExp: false', async () => {
      const error = await fails({ sub: 'a' }, 'ERR_JWT_CLAIM_MISSING');
      expect(error.claim).toBe('exp');
      expect((await ok({ sub: 'a' }, { requireExp: false })).sub).toBe('a');
    });

    it('requireExp: false still enforces an exp that is present', async () => {
      await fails({ exp: NOW - 10 }, 'ERR_JWT_EXPIRED', { requireExp: false });
    });

    it('is expired at exactly exp, valid one second before', async () => {
      const error = await fails({ exp: NOW }, 'ERR_JWT_EXPIRED');
      expect(error.claim).toBe('exp');
      await fails({ exp: NOW - 1 }, 'ERR_JWT_EXPIRED');
      expect((await ok({ exp: NOW + 1 })).exp).toBe(NOW + 1);
      // 999 ms into the second before exp: still valid.
      expect((await verify(tok({ exp: NOW + 1 }), key, { issuer: false, audience: false, clock: () => NOW * 1000 + 999 })).payload.exp).toBe(NOW + 1);
      await expectJwtError(verify(tok({ exp: NOW + 1 }), key, { issuer: false, audience: false, clock: () => (NOW + 1) * 1000 }), 'ERR_JWT_EXPIRED');
    });

    it('clockTolerance extends validity by exactly that many seconds', async () => {
      await fails({ exp: NOW - 30 }, 'ERR_JWT_EXPIRED', { clockTolerance: 30 });
      expect((await ok({ exp: NOW - 30 }, { clockTolerance: 31 })).exp).toBe(NOW - 30);
      expect((await ok({ exp: NOW - 59 }, { clockTolerance: '1m' })).exp).toBe(NOW - 59);
      await fails({ exp: NOW - 60 }, 'ERR_JWT_EXPIRED', { clockTolerance: '1m' });
    });

    it('uses the injected clock, not the system clock', async () => {
      // A token that expired in 2000 verifies when the clock says it is still 2000.
      const past = Date.UTC(2000, 0, 1) / 1000;
      expect((await verify(tok({ exp: past + 60 }), key, { issuer: false, audience: false, clock: () => past * 1000 })).payload.exp).toBe(past + 60);
      await expectJwtError(verify(tok({ exp: past + 60 }), key, { issuer: false, audience: false }), 'ERR_JWT_EXPIRED');
    });
  });

  describe('nbf and iat', () => {
    it('nbf in the future is not yet valid; at now it is; tolerance applies', async () => {
      const error = await fails({ exp: NOW + 60, nbf: NOW + 1 }, 'ERR_JWT_NOT_YET_VALID');
      expect(error.claim).toBe('nbf');
      expect((await ok({ exp: NOW + 60, nbf: NOW })).nbf).toBe(NOW);
      expect((await ok({ exp: NOW + 60, nbf: NOW + 5 }, { clockTolerance: 5 })).nbf).toBe(NOW + 5);
      await fails({ exp: NOW + 60, nbf: NOW + 6 }, 'ERR_JWT_NOT_YET_VALID', { clockTolerance: 5 });
    });

    it('iat in the future is refused; at now it is fine; tolerance applies', async () => {
      const error = await fails({ exp: NOW + 60, iat: NOW + 1 }, 'ERR_JWT_ISSUED_IN_FUTURE');
      expect(error.claim).toBe('iat');
      expect((await ok({ exp: NOW + 60, iat: NOW })).iat).toBe(NOW);
      expect((await ok({ exp: NOW + 60, iat: NOW + 10 }, { clockTolerance: 10 })).iat).toBe(NOW + 10);
      await fails({ exp: NOW + 60, iat: NOW + 11 }, 'ERR_JWT_ISSUED_IN_FUTURE', { clockTolerance: 10 });
    });

    it('a millisecond iat (sign timestamp: "ms") verifies within the second it was issued in', async () => {
      const at = () => NOW * 1000 + 750;
      const token = await sign({ sub: 'a' }, key, { expiresIn: 60, timestamp: 'ms', clock: at });
      const { payload } = await verify(token, key, { issuer: false, audience: false, clock: at });
      expect(payload.iat).toBe(NOW + 0.75);
      // Negative twin: a quarter second earlier, that iat is in the future.
      await expectJwtError(verify(token, key, { issuer: false, audience: false, clock: () => NOW * 1000 + 500 }), 'ERR_JWT_ISSUED_IN_FUTURE');
    });

    it('maxTokenAge refuses older tokens, requires iat, and honours tolerance', async () => {
      expect((await ok({ exp: NOW + 60, iat: NOW - 3600 }, { maxTokenAge: '1h' })).iat).toBe(NOW - 3600);
      const tooOld = await fails({ exp: NOW + 60, iat: NOW - 3601 }, 'ERR_JWT_EXPIRED', { maxTokenAge: 3600 });
      expect(tooOld.claim).toBe('iat');
      expect((await ok({ exp: NOW + 60, iat: NOW - 3601 }, { maxTokenAge: 3600, clockTolerance: 1 })).sub).toBeUndefined();
      const missing = await fails({ exp: NOW + 60 }, 'ERR_JWT_CLAIM_MISSING', { maxTokenAge: '1h' });
      expect(missing.claim).toBe('iat');
    });
  });

  describe('time claims are compared with the exact time, never a floored second', () => {
    const at = (ms: number) => () => NOW * 1000 + ms;

    it('a fractional exp expires at that fraction of a second', async () => {
      const exp = NOW + 0.5;
      expect((await ok({ exp }, { clock: at(499) })).exp).toBe(exp);
      expect((await fails({ exp }, 'ERR_JWT_EXPIRED', { clock: at(500) })).claim).toBe('exp');
      // Within the same whole second as exp, after it: a floored clock would still accept this.
      await fails({ exp }, 'ERR_JWT_EXPIRED', { clock: at(700) });
      await fails({ exp }, 'ERR_JWT_EXPIRED', { clock: at(999) });
    });

    it('a fractional clockTolerance extends exp by exactly that long', async () => {
      expect((await ok({ exp: NOW }, { clockTolerance: 1.5, clock: at(1499) })).exp).toBe(NOW);
      await fails({ exp: NOW }, 'ERR_JWT_EXPIRED', { clockTolerance: 1.5, clock: at(1500) });
      expect((await ok({ exp: NOW + 0.25 }, { clockTolerance: 0.5, clock: at(749) })).exp).toBe(NOW + 0.25);
      await fails({ exp: NOW + 0.25 }, 'ERR_JWT_EXPIRED', { clockTolerance: 0.5, clock: at(750) });
    });

    it('a fractional nbf or iat is valid from that fraction on, tolerance included', async () => {
      await fails({ exp: NOW + 60, nbf: NOW + 0.5 }, 'ERR_JWT_NOT_YET_VALID', { clock: at(499) });
      expect((await ok({ exp: NOW + 60, nbf: NOW + 0.5 }, { clock: at(500) })).nbf).toBe(NOW + 0.5);
      await fails({ exp: NOW + 60, nbf: NOW + 2 }, 'ERR_JWT_NOT_YET_VALID', { clockTolerance: 1.5, clock: at(499) });
      expect((await ok({ exp: NOW + 60, nbf: NOW + 2 }, { clockTolerance: 1.5, clock: at(500) })).nbf).toBe(NOW + 2);
      await fails({ exp: NOW + 60, iat: NOW + 0.25 }, 'ERR_JWT_ISSUED_IN_FUTURE', { clock: at(249) });
      expect((await ok({ exp: NOW + 60, iat: NOW + 0.25 }, { clock: at(250) })).iat).toBe(NOW + 0.25);
    });

    it('maxTokenAge is measured to the millisecond', async () => {
      expect((await ok({ exp: NOW + 60, iat: NOW - 10 }, { maxTokenAge: 10, clock: at(0) })).iat).toBe(NOW - 10);
      // 10.001 s old: a floored clock would call it 10 s and accept it.
      await fails({ exp: NOW + 60, iat: NOW - 10 }, 'ERR_JWT_EXPIRED', { maxTokenAge: 10, clock: at(1) });
      expect((await ok({ exp: NOW + 60, iat: NOW - 10 }, { maxTokenAge: 10, clockTolerance: 0.5, clock: at(500) })).iat).toBe(NOW - 10);
      await fails({ exp: NOW + 60, iat: NOW - 10 }, 'ERR_JWT_EXPIRED', { maxTokenAge: 10, clockTolerance: 0.5, clock: at(501) });
    });

    it('integer claims give the same answers as whole seconds did', async () => {
      for (const ms of [0, 1, 500, 999]) {
        expect((await ok({ exp: NOW + 1, nbf: NOW, iat: NOW }, { clock: at(ms) })).exp).toBe(NOW + 1);
        await fails({ exp: NOW }, 'ERR_JWT_EXPIRED', { clock: at(ms) });
        await fails({ exp: NOW + 60, nbf: NOW + 1 }, 'ERR_JWT_NOT_YET_VALID', { clock: at(ms) });
      }
    });

    it('a cached token is re-checked against the exact time on every hit', async () => {
      let ms = 0;
      const verifier = createVerifier({ issuer: false, audience: false, key, cache: true, clock: () => NOW * 1000 + ms });
      const token = tok({ exp: NOW + 0.5 });
      expect((await verifier.verify(token)).payload.exp).toBe(NOW + 0.5);
      ms = 600;
      await expectJwtError(verifier.verify(token), 'ERR_JWT_EXPIRED');
    });

    it('a clock that answers no finite number fails closed (ERR_CONFIG_INVALID), never accepts', async () => {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, undefined, '1700000000000']) {
        const error = await expectJwtError(verify(tok({ exp: NOW - 3600 }), key, { issuer: false, audience: false, clock: () => bad as number }), 'ERR_CONFIG_INVALID');
        expect(error.message).toMatch(/clock/);
      }
      // Negative twin: a finite clock in milliseconds.
      expect((await ok({ exp: NOW + 1 }, { clock: () => NOW * 1000 })).exp).toBe(NOW + 1);
    });
  });

  describe('issuer, audience, subject, required claims', () => {
    it('issuer: one value or a list; anything else is refused; absence is a missing claim', async () => {
      expect((await ok({ exp: NOW + 60, iss: 'a' }, { issuer: 'a' })).iss).toBe('a');
      expect((await ok({ exp: NOW + 60, iss: 'b' }, { issuer: ['a', 'b'] })).iss).toBe('b');
      await fails({ exp: NOW + 60, iss: 'c' }, 'ERR_JWT_ISSUER_INVALID', { issuer: ['a', 'b'] });
      await fails({ exp: NOW + 60, iss: 'A' }, 'ERR_JWT_ISSUER_INVALID', { issuer: 'a' });
      await fails({ exp: NOW + 60, iss: 'a/' }, 'ERR_JWT_ISSUER_INVALID', { issuer: 'a' });
      expect((await fails({ exp: NOW + 60 }, 'ERR_JWT_CLAIM_MISSING', { issuer: 'a' })).claim).toBe('iss');
    });

    it('audience: any of the token audiences matching any accepted one', async () => {
      expect((await ok({ exp: NOW + 60, aud: 'api' }, { audience: 'api' })).aud).toBe('api');
      expect((await ok({ exp: NOW + 60, aud: ['web', 'api'] }, { audience: 'api' })).aud).toEqual(['web', 'api']);
      expect((await ok({ exp: NOW + 60, aud: 'api' }, { audience: ['admin', 'api'] })).aud).toBe('api');
      expect((await ok({ exp: NOW + 60, aud: ['x', 'admin'] }, { audience: ['admin', 'api'] })).aud).toEqual(['x', 'admin']);
      await fails({ exp: NOW + 60, aud: 'web' }, 'ERR_JWT_AUDIENCE_INVALID', { audience: 'api' });
      await fails({ exp: NOW + 60, aud: ['web', 'API'] }, 'ERR_JWT_AUDIENCE_INVALID', { audience: ['api', 'admin'] });
      await fails({ exp: NOW + 60, aud: [] }, 'ERR_JWT_AUDIENCE_INVALID', { audience: 'api' });
      expect((await fails({ exp: NOW + 60 }, 'ERR_JWT_CLAIM_MISSING', { audience: 'api' })).claim).toBe('aud');
    });

    it('subject must match exactly when asked for', async () => {
      expect((await ok({ exp: NOW + 60, sub: 'alice' }, { subject: 'alice' })).sub).toBe('alice');
      await fails({ exp: NOW + 60, sub: 'bob' }, 'ERR_JWT_SUBJECT_INVALID', { subject: 'alice' });
      expect((await fails({ exp: NOW + 60 }, 'ERR_JWT_CLAIM_MISSING', { subject: 'alice' })).claim).toBe('sub');
    });

    it('requiredClaims must all be present', async () => {
      expect((await ok({ exp: NOW + 60, sub: 'a', jti: 'j' }, { requiredClaims: ['sub', 'jti'] })).jti).toBe('j');
      const error = await fails({ exp: NOW + 60, sub: 'a' }, 'ERR_JWT_CLAIM_MISSING', { requiredClaims: ['sub', 'jti'] });
      expect(error.claim).toBe('jti');
      expect((await ok({ exp: NOW + 60, tenant: null }, { requiredClaims: ['tenant'] })).tenant).toBeNull();
    });
  });

  describe('typ header', () => {
    it('matches case-insensitively, with or without application/', async () => {
      for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+Jwt']) {
        expect((await ok({ exp: NOW + 60 }, { typ: 'at+jwt' }, { typ })).exp).toBe(NOW + 60);
      }
      expect((await ok({ exp: NOW + 60 }, { typ: 'application/at+jwt' }, { typ: 'at+jwt' })).exp).toBe(NOW + 60);
    });

    it('refuses another or a missing typ when one is required', async () => {
      for (const header of [{ typ: 'JWT' }, {}, { typ: 'at+jwt2' }, { typ: '' }]) {
        const error = await fails({ exp: NOW + 60 }, 'ERR_JWT_TYPE_INVALID', { typ: 'at+jwt' }, header);
        expect(error.claim).toBe('typ');
      }
      // A typ that is not a string is a malformed header, with or without the option (header.test.ts).
      for (const header of [{ typ: 1 }, { typ: ['at+jwt'] }]) {
        const error = await fails({ exp: NOW + 60 }, 'ERR_JWT_MALFORMED', { typ: 'at+jwt' }, header);
        expect(error.claim).toBe('typ');
      }
      // Without the option, typ is not checked.
      expect((await ok({ exp: NOW + 60 }, {}, { typ: 'anything' })).exp).toBe(NOW + 60);
    });
  });

  describe('configuration mistakes fail when the verifier is built', () => {
    const bad: [string, VerifyOptions][] = [
      ['clockTolerance above 600 s', { issuer: false, audience: false, clockTolerance: 601 }],
      ['clockTolerance of 11 minutes', { issuer: false, audience: false, clockTolerance: '11m' }],
      ['negative clockTolerance', { issuer: false, audience: false, clockTolerance: -1 }],
      ['NaN clockTolerance', { issuer: false, audience: false, clockTolerance: Number.NaN }],
      ['infinite clockTolerance', { issuer: false, audience: false, clockTolerance: Number.POSITIVE_INFINITY }],
      ['negative clockTolerance text', { issuer: false, audience: false, clockTolerance: '-5' }],
      ['nonsense clockTolerance text', { issuer: false, audience: false, clockTolerance: 'soon' }],
      ['negative maxTokenAge', { issuer: false, audience: false, maxTokenAge: -1 }],
      ['empty issuer', { audience: false, issuer: '' }],
      ['empty issuer list', { audience: false, issuer: [] }],
      ['non-string issuer', { audience: false, issuer: [1] as never }],
      ['empty audience', { issuer: false, audience: '' }],
      ['empty audience list', { issuer: false, audience: [] }],
      ['empty subject', { issuer: false, audience: false, subject: '' }],
      ['requiredClaims with an empty name', { issuer: false, audience: false, requiredClaims: [''] }],
      ['requiredClaims not a list', { issuer: false, audience: false, requiredClaims: { sub: true } as never }],
      ['clock not a function', { issuer: false, audience: false, clock: 5 as never }],
      ['empty algorithms list', { issuer: false, audience: false, algorithms: [] }],
      ['unknown algorithm', { issuer: false, audience: false, algorithms: ['HS1' as never] }],
      ['schema without Standard Schema', { issuer: false, audience: false, schema: {} as never }],
      ['revocation without isRevoked', { issuer: false, audience: false, revocation: {} as never }],
      ['crit not a list of names', { issuer: false, audience: false, crit: [1] as never }],
    ];

    it.each(bad)('%s', async (_name, options) => {
      expect(() => createVerifier({ key, ...options })).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
      await expectJwtError(verify(tok({ exp: NOW + 60 }), key, options), 'ERR_CONFIG_INVALID');
    });

    it('accepts the largest tolerance, 600 s or "10m" (negative twin)', async () => {
      expect((await ok({ exp: NOW - 599 }, { clockTolerance: 600 })).exp).toBe(NOW - 599);
      expect((await ok({ exp: NOW - 599 }, { clockTolerance: '10m' })).exp).toBe(NOW - 599);
    });
  });
});
