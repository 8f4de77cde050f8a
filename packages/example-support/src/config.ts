/**
 * The example apps' configuration, read from the environment once at start. Every variable of
 * `EXAMPLE_APPS.md` has one reader here; a bad value stops the app with a message that names the
 * variable and never echoes a secret.
 */
import { readFileSync } from 'node:fs';

/** A configuration mistake: the app prints the message and exits with status 1. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Environment = Readonly<Record<string, string | undefined>>;

/** Where signing and verification keys come from. */
export type SigningConfig =
  | {
      kind: 'secret';
      /** The HS256 secret, as the UTF-8 bytes of `JWT_SECRET` or random. */
      secret: Uint8Array;
      /** True when `JWT_SECRET` was unset and the secret was made at start. */
      generated: boolean;
    }
  | {
      /** `JWT_PRIVATE_KEY_FILE`: sign with this key, publish its public half. */
      kind: 'private-key';
      /** The file's path, for messages. */
      file: string;
      /** The file's content (PEM). */
      pem: string;
    }
  | {
      /** `JWKS_URL`: verify with another service's published keys; issue no tokens. */
      kind: 'jwks';
      url: string;
    };

/** Where revocations (logout, password change) are kept: this process, or a Redis shared by every instance. */
export type RevocationConfig = { kind: 'memory' } | { kind: 'redis'; url: string };

export interface ExampleConfig {
  host: string;
  port: number;
  /** `iss` put in and required of every token. */
  issuer: string;
  /** `aud` put in and required of every token. */
  audience: string;
  /** Lifetime of issued tokens, seconds. */
  ttl: number;
  /** `JWT_REFRESH_TTL`: lifetime of refresh tokens, seconds. */
  refreshTtl: number;
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
  refreshTtl: 1_209_600,
  clockTolerance: 5,
} as const;

/** HS256 needs a secret of at least the hash size (RFC 7518 section 3.2). */
export const MIN_SECRET_BYTES = 32;
const MAX_TTL = 7 * 24 * 3600;
const MAX_REFRESH_TTL = 365 * 24 * 3600;
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

/** A PEM file is a few kilobytes; anything far larger is not a key file. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

function readKeyFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new ConfigError(`JWT_PRIVATE_KEY_FILE cannot be read (${typeof code === 'string' ? code : 'unreadable'}): ${file}`);
  }
  if (pem.length > MAX_KEY_FILE_BYTES) throw new ConfigError(`JWT_PRIVATE_KEY_FILE is too large to be a PEM key: ${file}`);
  return pem;
}

function readJwksUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('JWKS_URL must be an absolute http: or https: URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('JWKS_URL must be an absolute http: or https: URL');
  return url.href;
}

/**
 * `JWKS_URL` (verify only), `JWT_PRIVATE_KEY_FILE` (sign and publish), else `JWT_SECRET` or a
 * random secret with a warning. Never echoes the secret or the key.
 */
function readSigning(env: Environment, options: LoadConfigOptions, warnings: string[]): SigningConfig {
  const jwksUrl = env['JWKS_URL'] === undefined ? undefined : text(env, 'JWKS_URL', '');
  const keyFile = env['JWT_PRIVATE_KEY_FILE'] === undefined ? undefined : text(env, 'JWT_PRIVATE_KEY_FILE', '');
  if (jwksUrl !== undefined && keyFile !== undefined) {
    throw new ConfigError('JWKS_URL and JWT_PRIVATE_KEY_FILE cannot both be set: an app either verifies with remote keys or signs with its own key');
  }
  if (jwksUrl !== undefined || keyFile !== undefined) {
    if (env['JWT_SECRET'] !== undefined) warnings.push(`JWT_SECRET is ignored: ${jwksUrl !== undefined ? 'JWKS_URL' : 'JWT_PRIVATE_KEY_FILE'} is set`);
    return jwksUrl !== undefined ? { kind: 'jwks', url: readJwksUrl(jwksUrl) } : { kind: 'private-key', file: keyFile!, pem: readKeyFile(keyFile!) };
  }
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

/** `REDIS_URL`: shared revocations. The URL may carry a password, so messages never quote it. */
function readRevocation(env: Environment): RevocationConfig {
  if (env['REDIS_URL'] === undefined) return { kind: 'memory' };
  const value = text(env, 'REDIS_URL', '');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  return { kind: 'redis', url: value };
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
    refreshTtl: integer(env, 'JWT_REFRESH_TTL', DEFAULTS.refreshTtl, 1, MAX_REFRESH_TTL),
    clockTolerance: integer(env, 'JWT_CLOCK_TOLERANCE', DEFAULTS.clockTolerance, 0, MAX_CLOCK_TOLERANCE),
    signing: readSigning(env, options, warnings),
    revocation: readRevocation(env),
    warnings,
  };
}
