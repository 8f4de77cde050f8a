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

export class UserStore {
  readonly #users = new Map<string, DemoUser & { password: PasswordHash }>();
  // Compared against when the username is unknown, so both paths cost one scrypt run.
  readonly #decoy: PasswordHash;

  private constructor(decoy: PasswordHash) {
    this.#decoy = decoy;
  }

  /** Hashes every user's password; call once at start. */
  static async create(users: readonly (DemoUser & { password: string })[] = DEMO_USERS): Promise<UserStore> {
    const store = new UserStore(await hashPassword('decoy password, never accepted'));
    for (const user of users) {
      store.#users.set(user.username, { username: user.username, permissions: Object.freeze([...user.permissions]), password: await hashPassword(user.password) });
    }
    return store;
  }

  /** The user when the password is right, otherwise undefined. */
  async authenticate(username: string, password: string): Promise<DemoUser | undefined> {
    const user = this.#users.get(username);
    const ok = await matches(password, user?.password ?? this.#decoy);
    return ok && user !== undefined ? { username: user.username, permissions: user.permissions } : undefined;
  }

  find(username: string): DemoUser | undefined {
    const user = this.#users.get(username);
    return user === undefined ? undefined : { username: user.username, permissions: user.permissions };
  }

  /** Replaces a user's password; false when there is no such user. */
  async setPassword(username: string, password: string): Promise<boolean> {
    const user = this.#users.get(username);
    if (user === undefined) return false;
    user.password = await hashPassword(password);
    return true;
  }
}
