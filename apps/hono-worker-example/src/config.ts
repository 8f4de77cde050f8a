/**
 * The Worker's configuration, from its environment bindings (`[vars]` in wrangler.toml and
 * `wrangler secret put JWT_SECRET`): the variables of the Node example apps that make sense on a
 * Worker, with the same defaults and the same limits.
 */

/** What `env` holds: every binding is text. */
export interface WorkerEnv {
  JWT_SECRET?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  JWT_TTL?: string;
  JWT_CLOCK_TOLERANCE?: string;
}

export interface WorkerConfig {
  /** The HS256 secret's UTF-8 bytes. */
  secret: Uint8Array;
  issuer: string;
  audience: string;
  /** Lifetime of issued tokens, seconds. */
  ttl: number;
  /** Leeway for `exp`, `nbf` and `iat`, seconds. */
  clockTolerance: number;
}

/** A configuration mistake. Its message names the binding and never quotes the secret. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const DEFAULTS = { issuer: 'jwt-example', audience: 'jwt-example-api', ttl: 900, clockTolerance: 5 } as const;
export const MIN_SECRET_BYTES = 32;
const MAX_TTL = 7 * 24 * 3600;
const MAX_CLOCK_TOLERANCE = 600;

function text(env: WorkerEnv, name: keyof WorkerEnv, fallback: string): string {
  const value = env[name];
  if (value === undefined) return fallback;
  const trimmed = value.trim();
  if (trimmed === '') throw new ConfigError(`${name} must not be empty`);
  return trimmed;
}

function integer(env: WorkerEnv, name: keyof WorkerEnv, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined) return fallback;
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < min || Number(trimmed) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(trimmed);
}

/**
 * Reads and checks every binding. Unlike the Node apps there is no random fallback secret: each
 * Worker isolate would make its own, and tokens would fail at random.
 */
export function loadConfig(env: WorkerEnv): WorkerConfig {
  if (env.JWT_SECRET === undefined) throw new ConfigError('JWT_SECRET is not set (wrangler secret put JWT_SECRET)');
  const secret = new TextEncoder().encode(env.JWT_SECRET);
  if (secret.length < MIN_SECRET_BYTES) throw new ConfigError(`JWT_SECRET is too short: it needs at least ${MIN_SECRET_BYTES} bytes, it has ${secret.length}`);
  return {
    secret,
    issuer: text(env, 'JWT_ISSUER', DEFAULTS.issuer),
    audience: text(env, 'JWT_AUDIENCE', DEFAULTS.audience),
    ttl: integer(env, 'JWT_TTL', DEFAULTS.ttl, 1, MAX_TTL),
    clockTolerance: integer(env, 'JWT_CLOCK_TOLERANCE', DEFAULTS.clockTolerance, 0, MAX_CLOCK_TOLERANCE),
  };
}
