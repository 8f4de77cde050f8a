/**
 * What every instance agrees on: key names, the change messages on the channel, the one script
 * that writes a revocation, and the bound on every wait for Redis.
 *
 * A revocation is one string key whose value is the `exp` (seconds, logout), the cutoff
 * (milliseconds, password change) or the session's end (seconds), expiring with the tokens it
 * covers. The same script sets the key, only ever later, and publishes the change, atomically, so
 * a mirror that loads with SCAN after subscribing misses nothing.
 *
 * One more key, the marker, never expires: the stores write it once they have written back what
 * they know. A Redis without it has lost its data (a restart without persistence, a failover to an
 * empty replica) or has never been used, and is not trusted to answer for a token until the
 * instances have written back what they know.
 */

/** A logout (`j`: `exp`, seconds), a subject cutoff (`s`: milliseconds) or a session (`i`: its end, seconds). */
export type ChangeKind = 'j' | 's' | 'i';

const KINDS: ReadonlySet<unknown> = new Set(['j', 's', 'i']);

export interface Change {
  kind: ChangeKind;
  /** The `jti`, the `sub` or the `sid`. */
  id: string;
  value: number;
}

export interface Names {
  prefix: string;
  /** SCAN pattern for every revocation key; the prefix's glob characters escaped. */
  pattern: string;
  channel: string;
  /** The data-loss marker; outside the revocation key space (`parseKey` ignores it). */
  marker: string;
}

export function namesFor(prefix: string): Names {
  return { prefix, pattern: `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, channel: `${prefix}changes`, marker: `${prefix}marker` };
}

export function keyOf(names: Names, kind: ChangeKind, id: string): string {
  return `${names.prefix}${kind}:${id}`;
}

/** The kind and id of a key found by SCAN, or undefined for a key that is not ours. */
export function parseKey(names: Names, key: string): { kind: ChangeKind; id: string } | undefined {
  if (!key.startsWith(names.prefix)) return undefined;
  const kind = key.charAt(names.prefix.length);
  if (!KINDS.has(kind) || key.charAt(names.prefix.length + 1) !== ':') return undefined;
  const id = key.slice(names.prefix.length + 2);
  return id === '' ? undefined : { kind: kind as ChangeKind, id };
}

export function encodeChange(change: Change): string {
  return JSON.stringify([change.kind, change.value, change.id]);
}

/** Anything else on the channel (another tool, another version) is ignored, never thrown. */
export function decodeChange(message: string): Change | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
  const [kind, value, id] = parsed as unknown[];
  if (!KINDS.has(kind) || typeof id !== 'string' || id === '' || typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  return { kind: kind as ChangeKind, id, value };
}

/** A stored value, or undefined when it is missing or not a number. */
export function parseValue(value: unknown): number | undefined {
  if (typeof value !== 'string' && !(value instanceof Uint8Array)) return undefined;
  const n = Number(typeof value === 'string' ? value : new TextDecoder().decode(value));
  return Number.isFinite(n) ? n : undefined;
}

/**
 * KEYS[1] the revocation key; ARGV: value, expiry (unix ms), channel, message.
 * Keeps the later of two values, so a late or repeated write never shortens a revocation.
 * Returns 1 when it wrote and published, 0 when the stored value already covered it.
 */
export const WRITE_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]))
if current and current >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
`;

/** Raised when Redis does not answer in time; never reaches users as such (see the store). */
export class RedisTimeoutError extends Error {
  override readonly name = 'RedisTimeoutError';

  constructor(ms: number) {
    super(`redis did not answer within ${ms} ms`);
  }
}

/**
 * Settles with `promise`, or rejects after `ms`. The timer is unref'd so a wait never keeps a
 * process alive on its own; a late rejection of `promise` is absorbed here, never unhandled.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RedisTimeoutError(ms)), ms);
    (timer as { unref?: () => void }).unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
