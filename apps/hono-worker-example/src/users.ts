/**
 * The demo users of the example contract, for a Worker: passwords are kept as PBKDF2-SHA256
 * hashes made with WebCrypto (Workers have no scrypt), compared in constant time. An unknown
 * username costs the same derivation as a known one, so timing does not reveal which exist.
 */

import { DEMO_USERS, type DemoUser } from '@jwt/example-support/contract';

// Workers refuse PBKDF2 above 100,000 iterations, while OWASP asks for 600,000 with SHA-256: fine
// for demo users whose passwords are public anyway, not for storing real ones in a Worker.
const ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;

interface PasswordHash {
  salt: Uint8Array;
  hash: Uint8Array;
}

async function derive(password: string, salt: Uint8Array): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations: ITERATIONS }, material, HASH_BITS);
  return new Uint8Array(bits);
}

async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  return { salt, hash: await derive(password, salt) };
}

/** Equal length inputs compared without an early exit. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export class UserStore {
  readonly #users: Map<string, DemoUser & { password: PasswordHash }>;
  readonly #decoy: PasswordHash;

  private constructor(users: Map<string, DemoUser & { password: PasswordHash }>, decoy: PasswordHash) {
    this.#users = users;
    this.#decoy = decoy;
  }

  /**
   * Hashes every password. Workers allow crypto only while handling a request, so the Worker calls
   * this on its first login, not when the module loads.
   */
  static async create(users: readonly (DemoUser & { password: string })[] = DEMO_USERS): Promise<UserStore> {
    const map = new Map<string, DemoUser & { password: PasswordHash }>();
    for (const user of users) {
      map.set(user.username, { username: user.username, permissions: Object.freeze([...user.permissions]), password: await hashPassword(user.password) });
    }
    return new UserStore(map, await hashPassword('decoy password, never accepted'));
  }

  /** The user when the password is right, otherwise undefined. */
  async authenticate(username: string, password: string): Promise<DemoUser | undefined> {
    const user = this.#users.get(username);
    const stored = user?.password ?? this.#decoy;
    const ok = constantTimeEqual(await derive(password, stored.salt), stored.hash);
    return ok && user !== undefined ? { username: user.username, permissions: user.permissions } : undefined;
  }
}
