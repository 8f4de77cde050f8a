/**
 * Revocation without a session database on the hot path: a token is revoked by its `jti` until it
 * would have expired anyway (logout), or every token of a subject issued before a moment is
 * refused (the "last password change" time). The check runs after signature and claims.
 */
import type { JwtClaims } from '../jws/claims.js';
import { toSeconds } from '../common/duration.js';
import { configError, JwtError } from '../common/errors.js';
import type { JwsHeader } from '../keys/keyset.js';
import type { RevocationChecker } from '../jws/verify.js';
import { assertOptions, type OptionRules } from '../common/options.js';

const MEMORY_STORE_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ maxTokenLifetime: '!number|string', retainAfterExpiry: 'number|string', maxEntries: 'number', maxEntriesPerSubject: 'number', clock: 'function' });

/** A place that records revocations. `@jwt/redis` implements it for many instances. */
export interface RevocationStore extends RevocationChecker {
  /**
   * Logout: refuse this token until its `exp`. The claims must carry a string `jti` and a numeric `exp`.
   * @example await store.revokeToken(payload)
   */
  revokeToken(claims: JwtClaims): void | Promise<void>;
  /**
   * Refuse every token of `sub` issued up to `at` (milliseconds since the epoch, default now),
   * compared with `iat` by {@link issuedBefore}; a token without `iat` is refused. Only ever moves
   * the cutoff later: an earlier `at` than the one recorded changes nothing.
   * @example await store.revokeSubject(user.id) // after a password change
   */
  revokeSubject(sub: string, at?: number): void | Promise<void>;
  /**
   * End a login session: refuse every token whose `sid` claim is `sid` (access and refresh tokens
   * of one login and everything refreshed from it) until `expiresAt` (seconds since the epoch, the
   * latest `exp` any token of that session can carry). Only ever extends an entry. `sub`, the
   * session's subject when known, lets a bounded store count the entry against that subject's share
   * (see `maxEntriesPerSubject`); without it the entry counts against no one.
   * @example await store.revokeSession(claims.sid, sessionExpiresAt, claims.sub) // logout of a whole session
   */
  revokeSession(sid: string, expiresAt: number, sub?: string): void | Promise<void>;
}

/**
 * One revocation held by a store, as `MemoryRevocationStore.entries()` lists it: a logout
 * (`value`: the token's `exp`, seconds), a subject cutoff (`value`: milliseconds), a session
 * (`value`: its `expiresAt`, seconds), or the store-wide cutoff a full store falls back to
 * (`value`: milliseconds, `id` empty, kept until `expiresAt`, milliseconds).
 */
export type RevocationRecord =
  | { kind: 'token'; id: string; value: number }
  | { kind: 'subject'; id: string; value: number }
  | { kind: 'session'; id: string; value: number }
  | { kind: 'everyone'; id: ''; value: number; expiresAt: number };

/** Checks a session entry's inputs; returns the time (ms) the entry may be dropped. */
export function sessionEntry(sid: unknown, expiresAt: unknown, retainMs: number): number {
  if (typeof sid !== 'string' || sid === '') throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'sid', detail: 'required claim missing: sid' });
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) throw configError('revokeSession: expiresAt must be seconds since the epoch');
  return expiresAt * 1000 + retainMs;
}

/**
 * Is a token issued at `iat` (seconds, possibly fractional) covered by a cutoff at `cutoffMs`?
 * Time is compared to the millisecond, and a token issued in the cutoff's own millisecond is
 * covered: it cannot be told apart from one issued just before the change (on a fast loopback, the
 * token that made the change may well carry that very millisecond). For the same reason a token
 * with a whole-second `iat` from the cutoff's second is covered. Sign with `timestamp: 'ms'` so a
 * login right after a password change gets an `iat` past the cutoff and is accepted.
 * A missing or non-numeric `iat` is covered: the safe side.
 * @example issuedBefore(1_700_000_000.250, 1_700_000_000_300) // true
 */
export function issuedBefore(iat: unknown, cutoffMs: number): boolean {
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return true;
  // iat * 1000 is off by a fraction of a microsecond for an iat made from whole milliseconds
  // (k / 1000); the nudge puts it back in millisecond k before flooring.
  return Math.floor(iat * 1000 + 1e-3) <= cutoffMs;
}

/** Checks a logout entry's inputs; returns the `jti` and the time (ms) the entry may be dropped. */
export function revocationEntry(claims: JwtClaims, retainMs: number): { jti: string; expiresAt: number } {
  if (typeof claims !== 'object' || claims === null) throw new JwtError('ERR_JWT_CLAIM_INVALID', { detail: 'claim invalid: claims' });
  if (typeof claims.jti !== 'string' || claims.jti === '') throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'jti', detail: 'required claim missing: jti' });
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'exp', detail: 'required claim missing: exp' });
  return { jti: claims.jti, expiresAt: claims.exp * 1000 + retainMs };
}

/** How long revocations are kept; shared by every store so they agree with one another. */
export interface RevocationWindowOptions {
  /**
   * The longest lifetime of any token this service accepts (seconds or a duration). A subject's
   * cutoff is forgotten once every token it covers has expired.
   * @default '1d'
   * @example maxTokenLifetime: 900
   */
  maxTokenLifetime?: number | string;
  /**
   * Keep entries this long past the token's `exp` (seconds or a duration), to cover verifiers'
   * clock tolerance.
   * @default 600 (the largest clockTolerance a verifier accepts)
   * @example retainAfterExpiry: '1m'
   */
  retainAfterExpiry?: number | string;
}

/**
 * Resolves and checks the two windows, in milliseconds: a logout entry lives until
 * `exp * 1000 + retainMs`, a subject cutoff until `cutoff + lifetimeMs + retainMs`.
 * Throws ERR_CONFIG_INVALID for a malformed duration.
 * @example const { lifetimeMs, retainMs } = revocationWindow({ maxTokenLifetime: '15m' })
 */
export function revocationWindow(options: RevocationWindowOptions = {}): { lifetimeMs: number; retainMs: number } {
  return {
    lifetimeMs: toSeconds(options.maxTokenLifetime ?? '1d', 'maxTokenLifetime') * 1000,
    retainMs: toSeconds(options.retainAfterExpiry ?? 600, 'retainAfterExpiry') * 1000,
  };
}

export interface MemoryRevocationStoreOptions extends RevocationWindowOptions {
  /**
   * Most entries held at once, for each kind (logout entries, subject cutoffs, sessions). Entries
   * leave when the tokens they cover expire. A revocation is never refused and an entry is never
   * dropped early for lack of room: when a table is full the store revokes more instead (see
   * {@link MemoryRevocationStore}). Memory is bounded by about 3 × `maxEntries` entries of about
   * 200 bytes each with their ids (60 MB at the default), plus one counter per subject holding
   * entries. Size it above the revocations you expect within one token lifetime.
   * @default 100000
   * @example maxEntries: 1_000_000
   */
  maxEntries?: number;
  /**
   * Most logout and session entries one subject (`sub`) may hold at once. Past it, that subject's
   * further logouts become a cutoff of the subject at the current time (every token of that user
   * issued until now is refused, the one logged out included), so one account logging in and out
   * in a loop cannot fill the store for everyone.
   * @default 1000
   * @example maxEntriesPerSubject: 100
   */
  maxEntriesPerSubject?: number;
  /**
   * The current time in milliseconds. Inject a fixed clock in tests.
   * @default Date.now
   * @example clock: () => fixedNow
   */
  clock?: () => number;
}

/** A binary min-heap of (expiresAt, key): drops entries in expiry order without timers. */
class ExpiryHeap {
  readonly #items: { at: number; key: string }[] = [];

  peek(): { at: number; key: string } | undefined {
    return this.#items[0];
  }

  push(at: number, key: string): void {
    const a = this.#items;
    a.push({ at, key });
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.at <= a[i]!.at) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }

  pop(): { at: number; key: string } | undefined {
    const a = this.#items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.at < a[m]!.at) m = l;
        if (r < a.length && a[r]!.at < a[m]!.at) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

interface Entry {
  value: number;
  expiresAt: number;
  /** The subject whose share the entry counts against. */
  owner: string | undefined;
}

/**
 * Keyed entries that leave once their time has passed, swept during later calls (no timers), at
 * most `max` of them. The heap holds exactly one item per key: when an entry is extended, its item
 * is moved lazily, the next time it reaches the top, so repeated revocations of one key cannot
 * grow the heap.
 */
class ExpiringEntries {
  readonly #entries = new Map<string, Entry>();
  readonly #heap = new ExpiryHeap();
  readonly #max: number;
  readonly #onDrop: (owner: string) => void;

  constructor(max: number, onDrop: (owner: string) => void = () => undefined) {
    this.#max = max;
    this.#onDrop = onDrop;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.expiresAt > now ? entry : undefined;
  }

  /** Can `key` be set without dropping anything? (The caller has swept what expired.) */
  hasRoomFor(key: string): boolean {
    return this.#entries.has(key) || this.#entries.size < this.#max;
  }

  /**
   * Callers only ever extend an entry (a later `exp`, a later cutoff) and check `hasRoomFor` first:
   * evicting an entry would bring a revoked token back to life. An extended entry keeps its owner.
   */
  set(key: string, value: number, expiresAt: number, owner?: string): void {
    const previous = this.#entries.get(key);
    if (previous === undefined) {
      if (this.#entries.size >= this.#max) throw new Error('ExpiringEntries.set without room: a caller skipped hasRoomFor');
      this.#heap.push(expiresAt, key);
    }
    this.#entries.set(key, { value, expiresAt, owner: previous === undefined ? owner : previous.owner });
  }

  sweep(now: number): void {
    for (let top = this.#heap.peek(); top !== undefined && top.at <= now; top = this.#heap.peek()) {
      this.#heap.pop();
      const entry = this.#entries.get(top.key);
      if (entry === undefined) continue;
      if (entry.expiresAt <= now) {
        this.#entries.delete(top.key);
        if (entry.owner !== undefined) this.#onDrop(entry.owner);
      } else this.#heap.push(entry.expiresAt, top.key);
    }
  }

  *live(now: number): Generator<[string, Entry]> {
    for (const item of this.#entries) if (item[1].expiresAt > now) yield item;
  }
}

/** The cutoff (ms) that covers a token issued at `iat` and everything issued before `now`. */
function coveringCutoff(iat: unknown, now: number): number {
  // A token with an iat ahead of this clock (another issuer's clock, fractional seconds) must be
  // covered too; a missing iat is covered by any cutoff (issuedBefore).
  return typeof iat === 'number' && Number.isFinite(iat) ? Math.max(now, Math.ceil(iat * 1000)) : now;
}

/**
 * The embedded revocation store: one process, memory bounded, no timers (entries leave as they
 * expire, during later calls). Use `@jwt/redis` to share revocations between instances.
 *
 * It never refuses a revocation for lack of room and never forgets one early; it revokes more
 * instead. When a logout or session entry cannot be held (its table is full, or its subject already
 * holds `maxEntriesPerSubject`), the subject's cutoff moves to now (every token of that user issued
 * so far is refused). When a cutoff cannot be held either (the subject table is full, or the token
 * has no `sub`), the last resort is a store-wide cutoff: every token of every user issued so far is
 * refused until the tokens it covers have expired. Users must log in again; nothing revoked is
 * ever accepted. Size `maxEntries` so that this never happens in normal operation.
 * @example
 * const revocation = new MemoryRevocationStore({ maxTokenLifetime: '15m' })
 * const verifier = createVerifier({ key, revocation })
 * await revocation.revokeToken(payload) // logout
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #tokens: ExpiringEntries;
  readonly #subjects: ExpiringEntries;
  readonly #sessions: ExpiringEntries;
  /** Logout and session entries held per subject. */
  readonly #owned = new Map<string, number>();
  readonly #perSubject: number;
  /** The last resort of a full store: every token issued up to `cutoff` is refused until `expiresAt`. */
  #everyone: { cutoff: number; expiresAt: number } | undefined;
  readonly #lifetimeMs: number;
  readonly #retainMs: number;
  readonly #clock: () => number;

  constructor(options: MemoryRevocationStoreOptions = {}) {
    assertOptions(options, MEMORY_STORE_OPTIONS, 'MemoryRevocationStore');
    const window = revocationWindow(options);
    this.#lifetimeMs = window.lifetimeMs;
    this.#retainMs = window.retainMs;
    const max = options.maxEntries ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1) throw configError('maxEntries must be a positive integer');
    const perSubject = options.maxEntriesPerSubject ?? 1000;
    if (!Number.isSafeInteger(perSubject) || perSubject < 1) throw configError('maxEntriesPerSubject must be a positive integer');
    this.#perSubject = perSubject;
    const release = (owner: string): void => {
      const count = (this.#owned.get(owner) ?? 1) - 1;
      if (count <= 0) this.#owned.delete(owner);
      else this.#owned.set(owner, count);
    };
    this.#tokens = new ExpiringEntries(max, release);
    this.#subjects = new ExpiringEntries(max);
    this.#sessions = new ExpiringEntries(max, release);
    if (options.clock !== undefined && typeof options.clock !== 'function') throw configError('clock must be a function returning milliseconds');
    this.#clock = options.clock ?? Date.now;
  }

  /** Logout entries currently held. */
  get size(): number {
    return this.#tokens.size;
  }

  /** Subject cutoffs currently held. */
  get subjectCount(): number {
    return this.#subjects.size;
  }

  /** Session (`sid`) entries currently held. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * The store-wide cutoff (ms) in force, or undefined: set only when the store ran out of room and
   * fell back to refusing every token issued up to that moment.
   */
  get everyoneCutoff(): number | undefined {
    this.#sweep(this.#clock());
    return this.#everyone?.cutoff;
  }

  revokeToken(claims: JwtClaims): void {
    const { jti, expiresAt } = revocationEntry(claims, this.#retainMs);
    const now = this.#clock();
    this.#sweep(now);
    if (expiresAt <= now) return; // already expired for every verifier
    const previous = this.#tokens.get(jti, now);
    if (previous !== undefined && previous.expiresAt >= expiresAt) return;
    const owner = typeof claims.sub === 'string' && claims.sub !== '' ? claims.sub : undefined;
    if (previous !== undefined || this.#mayHold(this.#tokens, jti, owner)) {
      this.#hold(this.#tokens, jti, claims.exp!, expiresAt, previous === undefined ? owner : undefined);
      return;
    }
    this.#cut(owner, coveringCutoff(claims.iat, now), expiresAt, now);
  }

  revokeSubject(sub: string, at?: number): void {
    if (typeof sub !== 'string' || sub === '') throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'sub', detail: 'required claim missing: sub' });
    const now = this.#clock();
    const cutoff = at ?? now;
    if (typeof cutoff !== 'number' || !Number.isFinite(cutoff)) throw configError('revokeSubject: at must be milliseconds since the epoch');
    this.#sweep(now);
    const expiresAt = cutoff + this.#lifetimeMs + this.#retainMs;
    if (expiresAt <= now) return; // every token it covers has expired
    this.#cut(sub, cutoff, expiresAt, now);
  }

  revokeSession(sid: string, expiresAt: number, sub?: string): void {
    const until = sessionEntry(sid, expiresAt, this.#retainMs);
    if (sub !== undefined && typeof sub !== 'string') throw configError('revokeSession: sub must be a string');
    const now = this.#clock();
    this.#sweep(now);
    if (until <= now) return;
    const previous = this.#sessions.get(sid, now);
    if (previous !== undefined && previous.expiresAt >= until) return;
    const owner = sub === '' ? undefined : sub;
    if (previous !== undefined || this.#mayHold(this.#sessions, sid, owner)) {
      this.#hold(this.#sessions, sid, expiresAt, until, previous === undefined ? owner : undefined);
      return;
    }
    // Every token of the session issued so far is covered; no later one can be issued from it,
    // since refreshing presents one of those.
    this.#cut(owner, now, until, now);
  }

  isRevoked(claims: JwtClaims, _header?: JwsHeader): boolean {
    const now = this.#clock();
    // Two heap peeks when nothing is due: memory is released even when no one revokes anything.
    this.#sweep(now);
    if (typeof claims.jti === 'string' && this.#tokens.get(claims.jti, now) !== undefined) return true;
    if (typeof claims.sid === 'string' && this.#sessions.get(claims.sid, now) !== undefined) return true;
    if (typeof claims.sub === 'string') {
      const entry = this.#subjects.get(claims.sub, now);
      if (entry !== undefined && issuedBefore(claims.iat, entry.value)) return true;
    }
    return this.#everyone !== undefined && issuedBefore(claims.iat, this.#everyone.cutoff);
  }

  /**
   * Every revocation held, for stores built on this one (`@jwt/redis` writes them back to a Redis
   * that lost its data). Expired entries are left out.
   * @example for (const record of store.entries()) console.log(record.kind, record.id)
   */
  *entries(): Generator<RevocationRecord> {
    const now = this.#clock();
    this.#sweep(now);
    for (const [id, entry] of this.#tokens.live(now)) yield { kind: 'token', id, value: entry.value };
    for (const [id, entry] of this.#subjects.live(now)) yield { kind: 'subject', id, value: entry.value };
    for (const [id, entry] of this.#sessions.live(now)) yield { kind: 'session', id, value: entry.value };
    if (this.#everyone !== undefined) yield { kind: 'everyone', id: '', value: this.#everyone.cutoff, expiresAt: this.#everyone.expiresAt };
  }

  #mayHold(table: ExpiringEntries, key: string, owner: string | undefined): boolean {
    return table.hasRoomFor(key) && (owner === undefined || (this.#owned.get(owner) ?? 0) < this.#perSubject);
  }

  #hold(table: ExpiringEntries, key: string, value: number, expiresAt: number, newOwner: string | undefined): void {
    table.set(key, value, expiresAt, newOwner);
    if (newOwner !== undefined) this.#owned.set(newOwner, (this.#owned.get(newOwner) ?? 0) + 1);
  }

  /** Refuses every token of `sub` (of everyone, without a subject or room) issued up to `cutoff`, until `expiresAt`. */
  #cut(sub: string | undefined, cutoff: number, expiresAt: number, now: number): void {
    if (sub !== undefined) {
      const previous = this.#subjects.get(sub, now);
      if (previous !== undefined && previous.value >= cutoff && previous.expiresAt >= expiresAt) return;
      if (previous !== undefined || this.#subjects.hasRoomFor(sub)) {
        this.#subjects.set(sub, Math.max(previous?.value ?? cutoff, cutoff), Math.max(previous?.expiresAt ?? expiresAt, expiresAt));
        return;
      }
    }
    const everyone = this.#everyone;
    this.#everyone = { cutoff: Math.max(everyone?.cutoff ?? cutoff, cutoff), expiresAt: Math.max(everyone?.expiresAt ?? expiresAt, expiresAt) };
  }

  #sweep(now: number): void {
    this.#tokens.sweep(now);
    this.#subjects.sweep(now);
    this.#sessions.sweep(now);
    if (this.#everyone !== undefined && this.#everyone.expiresAt <= now) this.#everyone = undefined;
  }
}
