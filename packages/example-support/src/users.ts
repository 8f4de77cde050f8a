/**
 * The embedded demo user store. Passwords are kept only as scrypt hashes made at start, and are
 * compared in constant time. An unknown username costs the same scrypt run as a known one, so the
 * answer time does not tell which usernames exist.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { DEMO_USERS, type DemoUser } from './contract.js';

// N=2^14, r=8 (16 MiB per hash): the scrypt paper's interactive-login cost. N=2^17 is stronger,
// but every login of the contract suites would pay for it.
const SCRYPT: ScryptOptions = { N: 2 ** 14, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

interface PasswordHash {
  salt: Buffer;
  hash: Buffer;
}

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, SCRYPT, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = randomBytes(SALT_BYTES);
  return { salt, hash: await derive(password, salt) };
}

async function matches(password: string, stored: PasswordHash): Promise<boolean> {
  return timingSafeEqual(await derive(password, stored.salt), stored.hash);
}

/** A successful login: who, and when the password was checked (see {@link UserStore.authenticate}). */
export interface Authentication {
  user: DemoUser;
  /**
   * Milliseconds since the epoch, taken before the stored hash was read. A token for this login
   * is issued at `Math.floor(authenticatedAt / 1000)`, which a password change after that read
   * covers with its cutoff.
   */
  authenticatedAt: number;
}

/** The outcome of {@link UserStore.changePassword}. */
export type PasswordChange =
  | { ok: true; changedAt: number }
  | { ok: false; reason: 'invalid_credentials' | 'unknown_user' };

interface StoredUser extends DemoUser {
  password: PasswordHash;
  /** When the password was last changed (ms), undefined if never: logins in that second wait. */
  passwordChangedAt: number | undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A login in the same second as a password change waits at most this many times for the next
 * second. Only a clock set back can need more; then the login goes on, and its token, issued
 * within a revoked second, is refused: the safe side.
 */
const MAX_SECOND_WAITS = 3;

export class UserStore {
  readonly #users = new Map<string, StoredUser>();
  // Compared against when the username is unknown, so both paths cost one scrypt run.
  readonly #decoy: PasswordHash;
  readonly #clock: () => number;

  private constructor(decoy: PasswordHash, clock: () => number) {
    this.#decoy = decoy;
    this.#clock = clock;
  }

  /**
   * Hashes every user's password; call once at start.
   * @param clock the current time in ms (tests pin it)
   */
  static async create(users: readonly (DemoUser & { password: string })[] = DEMO_USERS, clock: () => number = Date.now): Promise<UserStore> {
    const store = new UserStore(await hashPassword('decoy password, never accepted'), clock);
    for (const user of users) {
      store.#users.set(user.username, {
        username: user.username,
        permissions: Object.freeze([...user.permissions]),
        password: await hashPassword(user.password),
        passwordChangedAt: undefined,
      });
    }
    return store;
  }

  /**
   * The user and the time of the check when the password is right, otherwise undefined.
   *
   * Tokens carry whole-second `iat`s and a password change revokes every token issued up to its
   * second, so a login must never be issued a token in the second of a change it came after:
   * such a login first waits for the next second. Then `authenticatedAt` is taken and the hash
   * read in one synchronous step, so a login that read the old hash has an `authenticatedAt`
   * no later than the change, and its token falls under the change's cutoff however long the
   * scrypt run and the signing take.
   */
  async authenticate(username: string, password: string): Promise<Authentication | undefined> {
    const user = this.#users.get(username);
    for (let i = 0; user !== undefined && i < MAX_SECOND_WAITS; i++) {
      const wait = this.#untilNextSecondAfterChange(user);
      if (wait <= 0) break;
      await sleep(Math.min(wait, 1000));
    }
    const authenticatedAt = this.#clock();
    const stored = user?.password ?? this.#decoy;
    const ok = await matches(password, stored);
    return ok && user !== undefined ? { user: { username: user.username, permissions: user.permissions }, authenticatedAt } : undefined;
  }

  find(username: string): DemoUser | undefined {
    const user = this.#users.get(username);
    return user === undefined ? undefined : { username: user.username, permissions: user.permissions };
  }

  /** When the user's password last changed (ms since the epoch); undefined if never or no such user. */
  passwordChangedAt(username: string): number | undefined {
    return this.#users.get(username)?.passwordChangedAt;
  }

  /**
   * Replaces a user's password if `current` is right. The new hash is stored and the change time
   * taken in one synchronous step; revoke the user's tokens up to `changedAt` before answering.
   * A concurrent change that lands first makes `current` stale: `invalid_credentials`, nothing
   * changed.
   */
  async changePassword(username: string, current: string, next: string): Promise<PasswordChange> {
    const user = this.#users.get(username);
    const stored = user?.password ?? this.#decoy;
    const ok = await matches(current, stored);
    if (user === undefined) return { ok: false, reason: 'unknown_user' };
    if (!ok) return { ok: false, reason: 'invalid_credentials' };
    const replacement = await hashPassword(next);
    if (user.password !== stored) return { ok: false, reason: 'invalid_credentials' };
    const changedAt = this.#clock();
    user.password = replacement;
    user.passwordChangedAt = changedAt;
    return { ok: true, changedAt };
  }

  /** Milliseconds until the clock is past the second of the user's last password change. */
  #untilNextSecondAfterChange(user: StoredUser): number {
    if (user.passwordChangedAt === undefined) return 0;
    return (Math.floor(user.passwordChangedAt / 1000) + 1) * 1000 - this.#clock();
  }
}
