/**
 * Revocation without a session database on the hot path: a token is revoked by its `jti` until it
 * would have expired anyway (logout), or every token of a subject issued before a moment is
 * refused (the "last password change" time). The check runs after signature and claims.
 */
import type { JwtClaims } from './claims.js';
import { toSeconds } from './duration.js';
import { configError, JwtError } from './errors.js';
import type { JwsHeader } from './keyset.js';
import type { RevocationChecker } from './verify.js';

/** A place that records revocations. `@jwt/redis` implements it for many instances. */
export interface RevocationStore extends RevocationChecker {
  /**
   * Logout: refuse this token until its `exp`. The claims must carry a string `jti` and a numeric `exp`.
   * @example await store.revokeToken(payload)
   */
  revokeToken(claims: JwtClaims): void | Promise<void>;
  /**
   * Refuse every token of `sub` issued before `at` (milliseconds since the epoch, default now).
   * Tokens are compared by `iat`; a token without `iat` is refused.
   * @example await store.revokeSubject(user.id) // after a password change
   */
  revokeSubject(sub: string, at?: number): void | Promise<void>;
}

/**
 * Is a token issued at `iat` (seconds, possibly fractional) from before `cutoffMs`?
 * A token with a whole-second `iat` issued in the same second as the cutoff cannot be told apart
 * from one issued just before it, so it is refused: the safe side. Sign with
 * `timestamp: 'ms'` so a login right after a password change gets an `iat` past the cutoff.
 */
export function issuedBefore(iat: unknown, cutoffMs: number): boolean {
  if (typeof iat !== 'number' || !Number.isFinite(iat)) return true;
  return iat * 1000 < cutoffMs;
}

/** Checks a logout entry's inputs; returns the `jti` and the time (ms) the entry may be dropped. */
export function revocationEntry(claims: JwtClaims, retainMs: number): { jti: string; expiresAt: number } {
  if (typeof claims !== 'object' || claims === null) throw new JwtError('ERR_JWT_CLAIM_INVALID', { detail: 'claim invalid: claims' });
  if (typeof claims.jti !== 'string' || claims.jti === '') throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'jti', detail: 'required claim missing: jti' });
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'exp', detail: 'required claim missing: exp' });
  return { jti: claims.jti, expiresAt: claims.exp * 1000 + retainMs };
}

export interface MemoryRevocationStoreOptions {
  /**
   * The longest lifetime of any token this service accepts (seconds or a duration). A subject's
   * cutoff is forgotten once every token it covers has expired.
   * @default '1d'
   * @example maxTokenLifetime: 900
   */
  maxTokenLifetime?: number | string;
  /**
   * Keep entries this long past the token's `exp`, to cover verifiers' clock tolerance.
   * @default 600 (the largest clockTolerance a verifier accepts)
   */
  retainAfterExpiry?: number | string;
  /**
   * Most logout entries held at once. When full, the entries closest to expiry leave first.
   * @default 100000
   */
  maxEntries?: number;
  /** The current time in ms. @default Date.now */
  clock?: () => number;
}

/** A binary min-heap of (expiresAt, key): drops entries in expiry order without timers. */
class ExpiryHeap {
  readonly #items: { at: number; key: string }[] = [];

  get size(): number {
    return this.#items.length;
  }

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

/**
 * The embedded revocation store: one process, memory bounded, no timers (entries leave as they
 * expire, during later calls). Use `@jwt/redis` to share revocations between instances.
 * @example
 * const revocation = new MemoryRevocationStore({ maxTokenLifetime: '15m' })
 * const verifier = createVerifier({ key, revocation })
 * await revocation.revokeToken(payload) // logout
 */
export class MemoryRevocationStore implements RevocationStore {
  readonly #tokens = new Map<string, number>();
  readonly #subjects = new Map<string, { cutoff: number; expiresAt: number }>();
  readonly #tokenHeap = new ExpiryHeap();
  readonly #subjectHeap = new ExpiryHeap();
  readonly #lifetimeMs: number;
  readonly #retainMs: number;
  readonly #maxEntries: number;
  readonly #clock: () => number;

  constructor(options: MemoryRevocationStoreOptions = {}) {
    this.#lifetimeMs = toSeconds(options.maxTokenLifetime ?? '1d', 'maxTokenLifetime') * 1000;
    this.#retainMs = toSeconds(options.retainAfterExpiry ?? 600, 'retainAfterExpiry') * 1000;
    const max = options.maxEntries ?? 100_000;
    if (!Number.isInteger(max) || max < 1) throw configError('maxEntries must be a positive integer');
    this.#maxEntries = max;
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

  revokeToken(claims: JwtClaims): void {
    const { jti, expiresAt } = revocationEntry(claims, this.#retainMs);
    const now = this.#clock();
    this.#sweep(now);
    if (expiresAt <= now) return; // already expired for every verifier
    const previous = this.#tokens.get(jti);
    if (previous !== undefined && previous >= expiresAt) return;
    while (this.#tokens.size >= this.#maxEntries) this.#evictOne();
    this.#tokens.set(jti, expiresAt);
    this.#tokenHeap.push(expiresAt, jti);
  }

  revokeSubject(sub: string, at?: number): void {
    if (typeof sub !== 'string' || sub === '') throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'sub', detail: 'required claim missing: sub' });
    const now = this.#clock();
    const cutoff = at ?? now;
    if (typeof cutoff !== 'number' || !Number.isFinite(cutoff)) throw configError('revokeSubject: at must be milliseconds since the epoch');
    this.#sweep(now);
    const expiresAt = cutoff + this.#lifetimeMs + this.#retainMs;
    const previous = this.#subjects.get(sub);
    if (previous !== undefined && previous.cutoff >= cutoff) return;
    this.#subjects.set(sub, { cutoff, expiresAt });
    this.#subjectHeap.push(expiresAt, sub);
  }

  isRevoked(claims: JwtClaims, _header?: JwsHeader): boolean {
    const now = this.#clock();
    if (typeof claims.jti === 'string') {
      const until = this.#tokens.get(claims.jti);
      if (until !== undefined && until > now) return true;
    }
    if (typeof claims.sub === 'string') {
      const entry = this.#subjects.get(claims.sub);
      if (entry !== undefined && entry.expiresAt > now && issuedBefore(claims.iat, entry.cutoff)) return true;
    }
    return false;
  }

  #sweep(now: number): void {
    for (let top = this.#tokenHeap.peek(); top !== undefined && top.at <= now; top = this.#tokenHeap.peek()) {
      this.#tokenHeap.pop();
      if (this.#tokens.get(top.key) === top.at) this.#tokens.delete(top.key);
    }
    for (let top = this.#subjectHeap.peek(); top !== undefined && top.at <= now; top = this.#subjectHeap.peek()) {
      this.#subjectHeap.pop();
      if (this.#subjects.get(top.key)?.expiresAt === top.at) this.#subjects.delete(top.key);
    }
  }

  #evictOne(): void {
    for (let top = this.#tokenHeap.pop(); top !== undefined; top = this.#tokenHeap.pop()) {
      if (this.#tokens.get(top.key) === top.at) {
        this.#tokens.delete(top.key);
        return;
      }
    }
  }
}
