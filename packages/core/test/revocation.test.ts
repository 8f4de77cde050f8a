/**
 * Revocation in the core: `issuedBefore` (the same-second and same-millisecond rules), the
 * embedded `MemoryRevocationStore` (expiry on an injected clock, bounded memory, no timers) and
 * the verifier's `revocation` option, each positive case next to its negative twin.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  MemoryRevocationStore,
  createSigner,
  createVerifier,
  issuedBefore,
  revocationEntry,
  revocationWindow,
  secretKey,
  type JwtClaims,
  type RevocationChecker,
} from '../src/index.js';
import { expectJwtError, OTHER_SECRET, SECRET } from './helpers.js';

/** A realistic epoch (2023-11-14T22:13:20Z) so float behaviour is the one real tokens see. */
const T0 = 1_700_000_000_000;
const key = secretKey(SECRET);

function manualClock(start = T0): { now: () => number; set: (ms: number) => void; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, set: (ms) => (t = ms), advance: (ms) => (t += ms) };
}

const claimsAt = (sub: string, iatSeconds: number, extra: JwtClaims = {}): JwtClaims => ({ sub, iat: iatSeconds, exp: iatSeconds + 900, ...extra });

function timeoutCount(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'Immediate').length;
}

describe('issuedBefore', () => {
  it('covers a whole-second iat from the cutoff second and earlier, not from the next second', () => {
    const cutoff = T0 + 400; // 400 ms into the second T0
    expect(issuedBefore(T0 / 1000, cutoff)).toBe(true);
    expect(issuedBefore(T0 / 1000 - 1, cutoff)).toBe(true);
    expect(issuedBefore(T0 / 1000 + 1, cutoff)).toBe(false);
  });

  it('covers a millisecond iat up to and including the cutoff millisecond, not one millisecond later', () => {
    // Every millisecond of a few seconds: k / 1000 is never exact in binary, so this is where
    // a naive iat * 1000 comparison would flip either way.
    for (let k = T0; k < T0 + 3000; k++) {
      const iat = k / 1000;
      expect(issuedBefore(iat, k), `iat ${iat} at cutoff ${k}`).toBe(true);
      expect(issuedBefore(iat, k - 1), `iat ${iat} at cutoff ${k - 1}`).toBe(false);
      expect(issuedBefore(iat, k + 1)).toBe(true);
    }
  });

  it('refuses a token whose iat is missing or not a finite number', () => {
    for (const iat of [undefined, null, '1700000000', Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, {}]) {
      expect(issuedBefore(iat, T0), String(iat)).toBe(true);
    }
    expect(issuedBefore(T0 / 1000 + 5, T0)).toBe(false);
  });
});

describe('revocationEntry', () => {
  it('returns the jti and the moment the entry may go (exp plus retention)', () => {
    expect(revocationEntry({ jti: 'abc', exp: 1000 }, 600_000)).toEqual({ jti: 'abc', expiresAt: 1_600_000 });
  });

  it('refuses claims without a usable jti or exp, or no claims at all', async () => {
    await expectJwtError(() => revocationEntry({ exp: 1000 }, 0), 'ERR_JWT_CLAIM_MISSING');
    await expectJwtError(() => revocationEntry({ jti: '', exp: 1000 }, 0), 'ERR_JWT_CLAIM_MISSING');
    await expectJwtError(() => revocationEntry({ jti: 42 as unknown as string, exp: 1000 }, 0), 'ERR_JWT_CLAIM_MISSING');
    await expectJwtError(() => revocationEntry({ jti: 'abc' }, 0), 'ERR_JWT_CLAIM_MISSING');
    await expectJwtError(() => revocationEntry({ jti: 'abc', exp: Number.NaN }, 0), 'ERR_JWT_CLAIM_MISSING');
    await expectJwtError(() => revocationEntry(null as unknown as JwtClaims, 0), 'ERR_JWT_CLAIM_INVALID');
  });
});

describe('revocationWindow', () => {
  it('resolves the defaults (a day, ten minutes) and durations to milliseconds', () => {
    expect(revocationWindow()).toEqual({ lifetimeMs: 86_400_000, retainMs: 600_000 });
    expect(revocationWindow({ maxTokenLifetime: '15m', retainAfterExpiry: 30 })).toEqual({ lifetimeMs: 900_000, retainMs: 30_000 });
  });

  it('refuses malformed or negative durations', async () => {
    await expectJwtError(() => revocationWindow({ maxTokenLifetime: 'soon' }), 'ERR_CONFIG_INVALID');
    await expectJwtError(() => revocationWindow({ retainAfterExpiry: -5 }), 'ERR_CONFIG_INVALID');
    await expectJwtError(() => revocationWindow({ maxTokenLifetime: Number.POSITIVE_INFINITY }), 'ERR_CONFIG_INVALID');
  });
});

describe('MemoryRevocationStore: logout (jti)', () => {
  it('refuses the revoked jti and only that one', () => {
    const store = new MemoryRevocationStore({ clock: () => T0 });
    const mine = claimsAt('kevin', T0 / 1000, { jti: 'token-1' });
    const other = claimsAt('kevin', T0 / 1000, { jti: 'token-2' });
    expect(store.isRevoked(mine)).toBe(false);
    store.revokeToken(mine);
    expect(store.isRevoked(mine)).toBe(true);
    expect(store.isRevoked(other)).toBe(false);
    expect(store.isRevoked({ sub: 'kevin' })).toBe(false);
    expect(store.size).toBe(1);
  });

  it('keeps the entry until exp plus the retention, then lets it go', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, retainAfterExpiry: 60 });
    const claims = { jti: 'j', exp: T0 / 1000 + 300 };
    store.revokeToken(claims);
    clock.set(T0 + 300_000); // at exp: still held, verifiers with clock tolerance may accept it
    expect(store.isRevoked(claims)).toBe(true);
    clock.set(T0 + 360_000 - 1);
    expect(store.isRevoked(claims)).toBe(true);
    expect(store.size).toBe(1);
    clock.set(T0 + 360_000);
    expect(store.isRevoked(claims)).toBe(false);
    expect(store.size).toBe(0);
  });

  it('does not hold a token that has already expired past the retention', () => {
    const store = new MemoryRevocationStore({ clock: () => T0, retainAfterExpiry: 0 });
    store.revokeToken({ jti: 'old', exp: T0 / 1000 - 1 });
    expect(store.size).toBe(0);
    store.revokeToken({ jti: 'live', exp: T0 / 1000 + 1 });
    expect(store.size).toBe(1);
  });

  it('counts a jti revoked twice once, and keeps the later expiry', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, retainAfterExpiry: 0 });
    store.revokeToken({ jti: 'j', exp: T0 / 1000 + 10 });
    store.revokeToken({ jti: 'j', exp: T0 / 1000 + 100 });
    store.revokeToken({ jti: 'j', exp: T0 / 1000 + 5 });
    expect(store.size).toBe(1);
    clock.set(T0 + 50_000);
    expect(store.isRevoked({ jti: 'j' })).toBe(true);
    clock.set(T0 + 100_000);
    expect(store.isRevoked({ jti: 'j' })).toBe(false);
    expect(store.size).toBe(0);
  });

  it('refuses to record a logout without jti or exp', async () => {
    const store = new MemoryRevocationStore();
    await expectJwtError(() => store.revokeToken({ sub: 'kevin', exp: T0 / 1000 }), 'ERR_JWT_CLAIM_MISSING');
    await expectJwtError(() => store.revokeToken({ jti: 'j' }), 'ERR_JWT_CLAIM_MISSING');
    expect(store.size).toBe(0);
  });
});

describe('MemoryRevocationStore: session (sid)', () => {
  it('refuses every token of the revoked session and no other', () => {
    const store = new MemoryRevocationStore({ clock: () => T0 });
    const access = claimsAt('kevin', T0 / 1000, { jti: 'a-1', sid: 'session-1' });
    const refreshed = claimsAt('kevin', T0 / 1000 + 60, { jti: 'a-2', sid: 'session-1' });
    const otherLogin = claimsAt('kevin', T0 / 1000, { jti: 'a-3', sid: 'session-2' });
    expect(store.isRevoked(access)).toBe(false);
    store.revokeSession('session-1', T0 / 1000 + 3600);
    expect(store.isRevoked(access)).toBe(true);
    expect(store.isRevoked(refreshed)).toBe(true);
    expect(store.isRevoked(otherLogin)).toBe(false);
    expect(store.isRevoked({ sub: 'kevin', jti: 'session-1' })).toBe(false);
    expect(store.sessionCount).toBe(1);
  });

  it('keeps the entry until expiresAt plus the retention, and only ever extends it', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, retainAfterExpiry: 60 });
    const claims = { sid: 's', jti: 'j', exp: T0 / 1000 + 300 };
    store.revokeSession('s', T0 / 1000 + 300);
    store.revokeSession('s', T0 / 1000 + 10); // earlier: changes nothing
    clock.set(T0 + 360_000 - 1);
    expect(store.isRevoked(claims)).toBe(true);
    clock.set(T0 + 360_000);
    expect(store.isRevoked(claims)).toBe(false);
    expect(store.sessionCount).toBe(0);
  });

  it('refuses a missing sid and a non-numeric expiry with typed errors', async () => {
    const store = new MemoryRevocationStore({ clock: () => T0 });
    await expectJwtError(() => store.revokeSession('', T0 / 1000 + 60), 'ERR_JWT_CLAIM_MISSING');
    await expectJwtError(() => store.revokeSession('s', Number.NaN), 'ERR_CONFIG_INVALID');
    expect(store.sessionCount).toBe(0);
  });
});

describe('MemoryRevocationStore: subject cutoff (password change)', () => {
  it('refuses tokens of that subject issued before the cutoff, accepts later ones and other subjects', () => {
    const store = new MemoryRevocationStore({ clock: () => T0 + 5000 });
    store.revokeSubject('kevin', T0);
    expect(store.isRevoked(claimsAt('kevin', T0 / 1000 - 60))).toBe(true);
    expect(store.isRevoked(claimsAt('kevin', T0 / 1000 + 1))).toBe(false);
    expect(store.isRevoked(claimsAt('admin', T0 / 1000 - 60))).toBe(false);
    expect(store.isRevoked({ sub: 'kevin', exp: T0 / 1000 + 60 })).toBe(true); // no iat: safe side
    expect(store.subjectCount).toBe(1);
  });

  it('uses the current time when no cutoff is given', () => {
    const store = new MemoryRevocationStore({ clock: () => T0 + 250 });
    store.revokeSubject('kevin');
    expect(store.isRevoked(claimsAt('kevin', (T0 + 250) / 1000))).toBe(true);
    expect(store.isRevoked(claimsAt('kevin', (T0 + 251) / 1000))).toBe(false);
  });

  it('only moves a cutoff later', () => {
    const store = new MemoryRevocationStore({ clock: () => T0 + 60_000 });
    store.revokeSubject('kevin', T0 + 10_000);
    store.revokeSubject('kevin', T0);
    expect(store.isRevoked(claimsAt('kevin', (T0 + 5000) / 1000))).toBe(true);
    store.revokeSubject('kevin', T0 + 20_000);
    expect(store.isRevoked(claimsAt('kevin', (T0 + 15_000) / 1000))).toBe(true);
    expect(store.isRevoked(claimsAt('kevin', (T0 + 25_000) / 1000))).toBe(false);
    expect(store.subjectCount).toBe(1);
  });

  it('forgets a cutoff once every token it covers has expired (cutoff + lifetime + retention)', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, maxTokenLifetime: '15m', retainAfterExpiry: 60 });
    store.revokeSubject('kevin', T0);
    const old = claimsAt('kevin', T0 / 1000 - 1);
    clock.set(T0 + 960_000 - 1);
    expect(store.isRevoked(old)).toBe(true);
    clock.set(T0 + 960_000);
    expect(store.isRevoked(old)).toBe(false);
    expect(store.subjectCount).toBe(0);
  });

  it('does not record a cutoff so old that every token it covers has expired', () => {
    const store = new MemoryRevocationStore({ clock: () => T0, maxTokenLifetime: 60, retainAfterExpiry: 0 });
    store.revokeSubject('kevin', T0 - 60_000);
    expect(store.subjectCount).toBe(0);
    store.revokeSubject('kevin', T0 - 59_000);
    expect(store.subjectCount).toBe(1);
  });

  it('refuses an empty subject or a cutoff that is not a number', async () => {
    const store = new MemoryRevocationStore();
    await expectJwtError(() => store.revokeSubject(''), 'ERR_JWT_CLAIM_MISSING');
    await expectJwtError(() => store.revokeSubject(undefined as unknown as string), 'ERR_JWT_CLAIM_MISSING');
    await expectJwtError(() => store.revokeSubject('kevin', Number.NaN), 'ERR_CONFIG_INVALID');
    await expectJwtError(() => store.revokeSubject('kevin', '1700000000000' as unknown as number), 'ERR_CONFIG_INVALID');
    expect(store.subjectCount).toBe(0);
  });
});

describe('MemoryRevocationStore: configuration', () => {
  it('refuses bad options at construction', async () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expectJwtError(() => new MemoryRevocationStore({ maxEntries }), 'ERR_CONFIG_INVALID');
    }
    await expectJwtError(() => new MemoryRevocationStore({ maxTokenLifetime: 'forever' }), 'ERR_CONFIG_INVALID');
    await expectJwtError(() => new MemoryRevocationStore({ retainAfterExpiry: -1 }), 'ERR_CONFIG_INVALID');
    await expectJwtError(() => new MemoryRevocationStore({ clock: 5 as unknown as () => number }), 'ERR_CONFIG_INVALID');
    await expectJwtError(() => new MemoryRevocationStore(null as unknown as undefined), 'ERR_CONFIG_INVALID');
    for (const maxEntriesPerSubject of [0, 2.5, Number.NaN]) {
      await expectJwtError(() => new MemoryRevocationStore({ maxEntriesPerSubject }), 'ERR_CONFIG_INVALID');
    }
    expect(new MemoryRevocationStore({ maxEntries: 1, maxTokenLifetime: '15m', retainAfterExpiry: '1m' }).size).toBe(0);
  });
});

describe('MemoryRevocationStore: bounded memory, never refusing a revocation', () => {
  it('never holds more than maxEntries logout entries under 50k logouts, and never refuses one: each is refused afterwards', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, maxEntries: 2_500, retainAfterExpiry: 0 });
    let largest = 0;
    for (let i = 0; i < 50_000; i++) {
      // Tokens live 60 s; the clock moves 4 ms per revocation, so entries keep expiring as new ones arrive.
      clock.advance(4);
      const claims = { jti: `j${i}`, sub: `user-${i % 1250}`, iat: clock.now() / 1000, exp: Math.floor(clock.now() / 1000) + 60 };
      store.revokeToken(claims);
      expect(store.isRevoked(claims)).toBe(true);
      if (store.size > largest) largest = store.size;
    }
    expect(largest).toBe(2_500);
    expect(store.subjectCount).toBeLessThanOrEqual(2_500);
    expect(store.isRevoked({ jti: 'j0' })).toBe(false); // expired long ago
  });

  it('turns a logout that finds the table full into a cutoff of its subject: that user only, tokens issued so far only', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, maxEntries: 3, retainAfterExpiry: 0 });
    for (const [jti, ttl] of [['a', 300], ['b', 100], ['c', 200]] as const) store.revokeToken({ jti, sub: 'filler', exp: T0 / 1000 + ttl });
    const kevinOld = claimsAt('kevin', T0 / 1000 - 30, { jti: 'kevin-old' });
    const logout = claimsAt('kevin', T0 / 1000 - 10, { jti: 'd' });
    store.revokeToken(logout); // the table is full: no throw, kevin's cutoff moves to now instead
    expect(store.size).toBe(3);
    expect(store.subjectCount).toBe(1);
    expect(store.isRevoked(logout)).toBe(true);
    expect(store.isRevoked(kevinOld)).toBe(true);
    expect(['a', 'b', 'c'].filter((jti) => store.isRevoked({ jti }))).toEqual(['a', 'b', 'c']);
    // Negative twins: another user's token, and kevin's next login, are accepted.
    expect(store.isRevoked(claimsAt('admin', T0 / 1000 - 30, { jti: 'admin-1' }))).toBe(false);
    clock.advance(1);
    expect(store.isRevoked(claimsAt('kevin', clock.now() / 1000, { jti: 'kevin-new' }))).toBe(false);
    // Revoking one already held again is not a new entry: held as such even when full.
    store.revokeToken({ jti: 'a', exp: T0 / 1000 + 500 });
    expect(store.isRevoked({ jti: 'a' })).toBe(true);
    expect(store.everyoneCutoff).toBeUndefined();
  });

  it('covers, when it falls back, a token whose iat is ahead of its own clock', () => {
    const store = new MemoryRevocationStore({ clock: () => T0, maxEntries: 1 });
    store.revokeToken({ jti: 'filler', exp: T0 / 1000 + 60 });
    const ahead = claimsAt('kevin', T0 / 1000 + 2.5, { jti: 'ahead' });
    store.revokeToken(ahead);
    expect(store.isRevoked(ahead)).toBe(true);
    expect(store.isRevoked(claimsAt('kevin', T0 / 1000 + 2.501, { jti: 'later' }))).toBe(false);
  });

  it('keeps the fallback cutoff as long as the logout it replaces, even for a token outliving maxTokenLifetime', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, maxEntries: 1, maxTokenLifetime: 60, retainAfterExpiry: 0 });
    store.revokeToken({ jti: 'filler', exp: T0 / 1000 + 10 });
    const long = claimsAt('kevin', T0 / 1000, { jti: 'long', exp: T0 / 1000 + 3600 });
    store.revokeToken(long);
    clock.set(T0 + 3_600_000 - 1);
    expect(store.isRevoked(long)).toBe(true);
    clock.set(T0 + 3_600_000);
    expect(store.isRevoked(long)).toBe(false);
    expect(store.subjectCount).toBe(0);
  });

  it('caps the logouts one subject holds (login and logout in a loop) and turns the excess into its cutoff, leaving room for everyone else', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, maxEntries: 1000, maxEntriesPerSubject: 10 });
    for (let i = 0; i < 5000; i++) {
      clock.advance(1);
      const claims = { jti: `loop-${i}`, sub: 'mallory', iat: clock.now() / 1000, exp: Math.floor(clock.now() / 1000) + 900 };
      store.revokeToken(claims);
      expect(store.isRevoked(claims)).toBe(true);
    }
    expect(store.size).toBe(10);
    expect(store.subjectCount).toBe(1);
    // Everyone else still gets a logout entry of their own, and only their token is refused.
    const kevin = claimsAt('kevin', clock.now() / 1000, { jti: 'kevin-1' });
    const kevinOther = claimsAt('kevin', clock.now() / 1000, { jti: 'kevin-2' });
    store.revokeToken(kevin);
    expect(store.size).toBe(11);
    expect(store.isRevoked(kevin)).toBe(true);
    expect(store.isRevoked(kevinOther)).toBe(false);
    expect(store.everyoneCutoff).toBeUndefined();
  });

  it('gives a subject its share back once its entries expire', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, maxEntriesPerSubject: 2, retainAfterExpiry: 0 });
    store.revokeToken({ jti: 'a', sub: 'kevin', exp: T0 / 1000 + 10 });
    store.revokeToken({ jti: 'b', sub: 'kevin', exp: T0 / 1000 + 10 });
    expect(store.size).toBe(2);
    clock.set(T0 + 11_000);
    store.revokeToken({ jti: 'c', sub: 'kevin', exp: T0 / 1000 + 60 });
    expect(store.size).toBe(1);
    expect(store.subjectCount).toBe(0);
    expect(store.isRevoked(claimsAt('kevin', T0 / 1000, { jti: 'other' }))).toBe(false);
  });

  it('falls back to a store-wide cutoff as the last resort: a full subject table, or a logout without sub', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, maxEntries: 2, maxTokenLifetime: 60, retainAfterExpiry: 0 });
    store.revokeSubject('u1', T0);
    store.revokeSubject('u2', T0);
    clock.advance(1000);
    const before = claimsAt('bystander', clock.now() / 1000, { jti: 'bystander' });
    store.revokeSubject('u3'); // no room for u3: every token issued up to now is refused
    expect(store.everyoneCutoff).toBe(T0 + 1000);
    expect(store.isRevoked(claimsAt('u3', clock.now() / 1000))).toBe(true);
    expect(store.isRevoked(before)).toBe(true);
    clock.advance(1);
    expect(store.isRevoked(claimsAt('bystander', clock.now() / 1000, { jti: 'fresh' }))).toBe(false);
    // It lasts as long as the tokens it covers, then goes.
    clock.set(T0 + 1000 + 60_000);
    expect(store.everyoneCutoff).toBeUndefined();
    expect(store.isRevoked(before)).toBe(false);

    const noSub = new MemoryRevocationStore({ clock: () => T0, maxEntries: 1 });
    noSub.revokeToken({ jti: 'filler', exp: T0 / 1000 + 60 });
    noSub.revokeToken({ jti: 'anonymous', iat: T0 / 1000 - 5, exp: T0 / 1000 + 60 });
    expect(noSub.everyoneCutoff).toBe(T0);
    expect(noSub.isRevoked({ jti: 'anonymous', iat: T0 / 1000 - 5 })).toBe(true);
    expect(noSub.isRevoked({ jti: 'x', sub: 'y', iat: T0 / 1000 + 1 })).toBe(false);
  });

  it('never refuses a subject cutoff: 20k password changes into a table of 1000', () => {
    const store = new MemoryRevocationStore({ clock: () => T0 + 20_000, maxEntries: 1000 });
    let largest = 0;
    for (let i = 0; i < 20_000; i++) {
      store.revokeSubject(`user-${i}`, T0 + i);
      largest = Math.max(largest, store.subjectCount);
    }
    expect(largest).toBe(1000);
    expect(store.everyoneCutoff).toBe(T0 + 19_999);
    expect(store.isRevoked(claimsAt('user-999', T0 / 1000))).toBe(true);
    expect(store.isRevoked(claimsAt('user-19999', (T0 + 19_999) / 1000))).toBe(true);
    expect(store.isRevoked(claimsAt('user-19999', (T0 + 20_000) / 1000))).toBe(false);
    expect(store.isRevoked(claimsAt('user-0', (T0 + 20_000) / 1000))).toBe(false);
  });

  it('never refuses a session revocation: a full table or a subject over its share falls back to a cutoff', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, maxEntries: 100, maxEntriesPerSubject: 3 });
    for (let i = 0; i < 50; i++) {
      clock.advance(1);
      store.revokeSession(`mallory-session-${i}`, T0 / 1000 + 3600, 'mallory');
      expect(store.isRevoked(claimsAt('mallory', (clock.now() - 1) / 1000, { sid: `mallory-session-${i}` }))).toBe(true);
    }
    expect(store.sessionCount).toBe(3);
    expect(store.subjectCount).toBe(1);
    store.revokeSession('kevin-session', T0 / 1000 + 3600, 'kevin');
    expect(store.isRevoked(claimsAt('kevin', T0 / 1000, { sid: 'kevin-session' }))).toBe(true);
    expect(store.isRevoked(claimsAt('kevin', T0 / 1000, { sid: 'kevin-other' }))).toBe(false);

    const full = new MemoryRevocationStore({ clock: () => T0, maxEntries: 1 });
    full.revokeSession('s1', T0 / 1000 + 60);
    full.revokeSession('s2', T0 / 1000 + 60); // no subject, no room: store-wide cutoff
    expect(full.isRevoked({ sid: 's2', sub: 'kevin', iat: T0 / 1000 })).toBe(true);
    expect(full.everyoneCutoff).toBe(T0);
  });

  it('lists what it holds through entries(), for stores built on it', () => {
    const store = new MemoryRevocationStore({ clock: () => T0, maxEntries: 10 });
    store.revokeToken({ jti: 'j1', exp: T0 / 1000 + 60 });
    store.revokeSubject('kevin', T0 - 5);
    store.revokeSession('s1', T0 / 1000 + 120);
    store.revokeToken({ jti: 'gone', exp: T0 / 1000 - 3600 });
    expect([...store.entries()]).toEqual([
      { kind: 'token', id: 'j1', value: T0 / 1000 + 60 },
      { kind: 'subject', id: 'kevin', value: T0 - 5 },
      { kind: 'session', id: 's1', value: T0 / 1000 + 120 },
    ]);
  });

  it('holds one entry for a subject revoked again and again', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, maxTokenLifetime: 60, retainAfterExpiry: 0 });
    for (let i = 0; i < 50_000; i++) {
      clock.advance(1);
      store.revokeSubject('kevin');
    }
    expect(store.subjectCount).toBe(1);
    expect(store.isRevoked(claimsAt('kevin', clock.now() / 1000))).toBe(true);
    clock.advance(60_000);
    expect(store.isRevoked(claimsAt('kevin', T0 / 1000))).toBe(false);
    expect(store.subjectCount).toBe(0);
  });

  it('lets entries go as the clock passes their expiry, with no write needed', () => {
    const clock = manualClock();
    const store = new MemoryRevocationStore({ clock: clock.now, retainAfterExpiry: 0, maxTokenLifetime: 1000 });
    // Token i expires at T0 + (i + 1) s, so at T0 + s seconds exactly 10000 - s remain (s >= 1).
    // Subject i's cutoff is forgotten at T0 + (1000 + i) s.
    for (let i = 0; i < 10_000; i++) {
      store.revokeToken({ jti: `j${i}`, exp: T0 / 1000 + 1 + i });
      if (i < 100) store.revokeSubject(`s${i}`, T0 + i * 1000);
    }
    expect(store.size).toBe(10_000);
    const unrelated = { jti: 'never-revoked', sub: 'nobody' };
    const sizes: number[] = [];
    for (const seconds of [0.5, 1, 2, 2500, 5001, 9999, 10_000]) {
      clock.set(T0 + seconds * 1000);
      expect(store.isRevoked(unrelated)).toBe(false);
      sizes.push(store.size);
    }
    expect(sizes).toEqual([10_000, 9999, 9998, 7500, 4999, 1, 0]);
    expect(store.subjectCount).toBe(0);
    clock.set(T0 + 1_050_000);
    store.revokeSubject('fresh');
    expect(store.subjectCount).toBe(1);
  });
});

describe('MemoryRevocationStore: no timers', () => {
  it('creates no timer or immediate, whatever it holds', () => {
    const before = timeoutCount();
    const store = new MemoryRevocationStore({ maxEntries: 1000, maxTokenLifetime: 1 });
    const exp = Math.floor(Date.now() / 1000) + 1;
    for (let i = 0; i < 500; i++) store.revokeToken({ jti: `j${i}`, exp });
    store.revokeSubject('kevin');
    store.isRevoked({ jti: 'j1', sub: 'kevin', iat: exp - 1 });
    expect(timeoutCount()).toBe(before);
  });
});

describe('createVerifier with a revocation store', () => {
  const clock = manualClock(T0 + 10_000);
  const options = { key, issuer: 'auth', audience: 'api', clock: clock.now };
  const signer = createSigner({ key, issuer: 'auth', audience: 'api', expiresIn: '15m', jwtId: true, timestamp: 'ms', clock: clock.now });

  it('refuses a logged-out token with ERR_JWT_REVOKED and keeps accepting the other tokens', async () => {
    const store = new MemoryRevocationStore({ clock: clock.now });
    const verifier = createVerifier({ ...options, revocation: store });
    const token = await signer.sign({ sub: 'kevin' });
    const other = await signer.sign({ sub: 'kevin' });
    const { payload } = await verifier.verify(token);
    store.revokeToken(payload);
    await expectJwtError(verifier.verify(token), 'ERR_JWT_REVOKED');
    await expectJwtError(() => verifier.verifySync(token), 'ERR_JWT_REVOKED');
    expect((await verifier.verify(other)).payload.sub).toBe('kevin');
    expect(verifier.verifySync(other).payload.sub).toBe('kevin');
  });

  it('checks revocation after the signature: a forged token is a signature error, not a revocation', async () => {
    const store = new MemoryRevocationStore({ clock: clock.now });
    const verifier = createVerifier({ ...options, revocation: store });
    const forged = await createSigner({ key: secretKey(OTHER_SECRET), issuer: 'auth', audience: 'api', expiresIn: '15m', jwtId: 'same', clock: clock.now }).sign({ sub: 'kevin' });
    store.revokeToken({ jti: 'same', exp: T0 / 1000 + 3600 });
    await expectJwtError(verifier.verify(forged), 'ERR_JWS_SIGNATURE_INVALID');
  });

  it('refuses the tokens from before a password change, even one from the same millisecond, and accepts a login a millisecond later', async () => {
    const store = new MemoryRevocationStore({ clock: clock.now });
    const verifier = createVerifier({ ...options, revocation: store });
    clock.set(T0 + 20_000);
    const earlier = await signer.sign({ sub: 'kevin' });
    clock.set(T0 + 20_437);
    const sameMillisecond = await signer.sign({ sub: 'kevin' });
    store.revokeSubject('kevin'); // the change happens at T0 + 20_437
    const wholeSecondSameSecond = await createSigner({ key, issuer: 'auth', audience: 'api', expiresIn: '15m', clock: clock.now }).sign({ sub: 'kevin' });
    clock.advance(1);
    const after = await signer.sign({ sub: 'kevin' });
    const otherUser = await signer.sign({ sub: 'admin' });
    await expectJwtError(verifier.verify(earlier), 'ERR_JWT_REVOKED');
    await expectJwtError(verifier.verify(sameMillisecond), 'ERR_JWT_REVOKED');
    await expectJwtError(verifier.verify(wholeSecondSameSecond), 'ERR_JWT_REVOKED');
    expect((await verifier.verify(after)).payload.sub).toBe('kevin');
    expect((await verifier.verify(otherUser)).payload.sub).toBe('admin');
    clock.set(T0 + 21_000); // the next whole second: a whole-second iat is past the cutoff
    const wholeSecondNextSecond = await createSigner({ key, issuer: 'auth', audience: 'api', expiresIn: '15m', clock: clock.now }).sign({ sub: 'kevin' });
    expect((await verifier.verify(wholeSecondNextSecond)).payload.sub).toBe('kevin');
  });

  it('checks revocation on every cache hit', async () => {
    const store = new MemoryRevocationStore({ clock: clock.now });
    const verifier = createVerifier({ ...options, revocation: store, cache: true });
    const token = await signer.sign({ sub: 'kevin' });
    const { payload } = await verifier.verify(token);
    await verifier.verify(token);
    store.revokeToken(payload);
    await expectJwtError(verifier.verify(token), 'ERR_JWT_REVOKED');
  });

  it('sees the signed jti, sub and iat even when a schema drops them from the payload', async () => {
    const store = new MemoryRevocationStore({ clock: clock.now });
    const verifier = createVerifier({ ...options, revocation: store, cache: true, schema: z.object({ sub: z.string() }) });
    const token = await signer.sign({ sub: 'kevin' });
    const { payload } = await verifier.verify(token);
    expect(payload).toEqual({ sub: 'kevin' });
    const later = await (async () => {
      clock.advance(5);
      return signer.sign({ sub: 'kevin' });
    })();
    store.revokeSubject('kevin', clock.now() - 3);
    expect((await verifier.verify(later)).payload).toEqual({ sub: 'kevin' });
    await expectJwtError(verifier.verify(token), 'ERR_JWT_REVOKED');
  });

  it('turns a store failure into ERR_REVOCATION_UNAVAILABLE, sync or async, and passes a JwtError through', async () => {
    const token = await signer.sign({ sub: 'kevin' });
    const throwing: RevocationChecker = {
      isRevoked() {
        throw new Error('connection refused 10.0.0.1');
      },
    };
    const rejecting: RevocationChecker = { isRevoked: () => Promise.reject(new Error('timeout')) };
    const revokedAsync: RevocationChecker = { isRevoked: () => Promise.resolve(true) };
    const acceptedAsync: RevocationChecker = { isRevoked: () => Promise.resolve(false) };
    const error = await expectJwtError(createVerifier({ ...options, revocation: throwing }).verify(token), 'ERR_REVOCATION_UNAVAILABLE');
    expect(error.message).not.toContain('10.0.0.1');
    await expectJwtError(createVerifier({ ...options, revocation: rejecting }).verify(token), 'ERR_REVOCATION_UNAVAILABLE');
    await expectJwtError(createVerifier({ ...options, revocation: revokedAsync }).verify(token), 'ERR_JWT_REVOKED');
    expect((await createVerifier({ ...options, revocation: acceptedAsync }).verify(token)).payload.sub).toBe('kevin');
    await expectJwtError(() => createVerifier({ ...options, revocation: acceptedAsync }).verifySync(token), 'ERR_CONFIG_INVALID');
  });

  it('refuses a revocation option without isRevoked at construction', async () => {
    await expectJwtError(() => createVerifier({ ...options, revocation: {} as RevocationChecker }), 'ERR_CONFIG_INVALID');
  });
});
