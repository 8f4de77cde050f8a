/**
 * The example apps' configuration, read from the environment once at start. Every variable of
 * `EXAMPLE_APPS.md` has one reader here; a bad value stops the app with a message that names the
 * variable and never echoes a secret.
 */

/** A configuration mistake: the app prints the message and exits with status 1. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Where signing and verification keys come from. */
export type SigningConfig = {
  kind: 'secret';
  /** The HS256 secret, as the UTF-8 bytes of `JWT_SECRET` or random. */
  secret: Uint8Array;
  /** True when `JWT_SECRET` was unset and the secret was made at start. */
  generated: boolean;
};

/** Where revocations (logout, password change) are kept. */
export type RevocationConfig = { kind: 'memory' };

export interface ExampleConfig {
  host: string;
  port: number;
  /** `iss` put in and required of every token. */
  issuer: string;
  /** `aud` put in and required of every token. */
  audience: string;
  /** Lifetime of issued tokens, seconds. */
  ttl: number;
  /** Leeway for `exp`, `nbf` and `iat`, seconds. */
  clockTolerance: number;
  signing: SigningConfig;
  revocation: RevocationConfig;
  /** Things worth telling the operator at start (printed on stderr). */
  warnings: string[];
}

export interface LoadConfigOptions {
  /** The app's port when `PORT` is unset: hono 3000, koa 3001, nest 3002. */
  defaultPort: number;
  /**
   * Random bytes for a generated secret.
   * @default crypto.getRandomValues
   */
  randomBytes?: (length: number) => Uint8Array;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  issuer: 'jwt-example',
  audience: 'jwt-example-api',
  ttl: 900,
  clockTolerance: 5,
} as const;

/** HS256 needs a secret of at least the hash size (RFC 7518 section 3.2). */
export const MIN_SECRET_BYTES = 32;
const MAX_TTL = 7 * 24 * 3600;
/** The core refuses more leeway than this. */
const MAX_CLOCK_TOLERANCE = 600;

function text(env: Environment, name: string, fallback: string): string {
  const value = env[name];
  if (value === undefined) return fallback;
  const trimmed = value.trim();
  if (trimmed === '') throw new ConfigError(`${name} must not be empty`);
  return trimmed;
}

function integer(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const value = env[name];
  if (value === undefined) return fallback;
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < min || Number(trimmed) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value.slice(0, 32))}`);
  }
  return Number(trimmed);
}

function defaultRandomBytes(length: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

/** `JWT_SECRET`, or a random secret with a warning. Never echoes the secret. */
function readSigning(env: Environment, options: LoadConfigOptions, warnings: string[]): SigningConfig {
  const secret = env['JWT_SECRET'];
  if (secret === undefined) {
    warnings.push('JWT_SECRET is not set: using a random secret made at start; tokens will not survive a restart');
    return { kind: 'secret', secret: (options.randomBytes ?? defaultRandomBytes)(MIN_SECRET_BYTES * 2), generated: true };
  }
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new ConfigError(`JWT_SECRET is too short: it needs at least ${MIN_SECRET_BYTES} bytes, it has ${bytes.length}`);
  }
  return { kind: 'secret', secret: bytes, generated: false };
}

function readRevocation(): RevocationConfig {
  return { kind: 'memory' };
}

/**
 * Reads and checks every variable. Throws {@link ConfigError} on the first bad value.
 * @example const config = loadConfig(process.env, { defaultPort: 3000 })
 */
export function loadConfig(env: Environment, options: LoadConfigOptions): ExampleConfig {
  const warnings: string[] = [];
  const port = integer(env, 'PORT', options.defaultPort, 0, 65535);
  return {
    host: text(env, 'HOST', DEFAULTS.host),
    port,
    issuer: text(env, 'JWT_ISSUER', DEFAULTS.issuer),
    audience: text(env, 'JWT_AUDIENCE', DEFAULTS.audience),
    ttl: integer(env, 'JWT_TTL', DEFAULTS.ttl, 1, MAX_TTL),
    clockTolerance: integer(env, 'JWT_CLOCK_TOLERANCE', DEFAULTS.clockTolerance, 0, MAX_CLOCK_TOLERANCE),
    signing: readSigning(env, options, warnings),
    revocation: readRevocation(),
    warnings,
  };
}
