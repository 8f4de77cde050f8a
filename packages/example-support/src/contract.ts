/**
 * The rules of `EXAMPLE_APPS.md` that every example app applies alike, on Node or in a Worker:
 * the realm, the token cookie, the demo users, the body and password limits, and how a JSON body
 * is read. No Node built-in is
 * imported here, so the Worker example bundles it too (`@jwt/example-support/contract`).
 */

/** The `realm` of every `WWW-Authenticate` challenge. */
export const REALM = 'jwt-example';
/** The cookie a token is read from when there is no Authorization header. */
export const TOKEN_COOKIE = 'access_token';
/** Request bodies larger than this are refused (413) before they are parsed. */
export const MAX_BODY_BYTES = 16 * 1024;
/** Longest accepted password, in characters: password hashing's cost grows with it. */
export const MAX_PASSWORD_LENGTH = 1024;
/** Shortest new password `/password` accepts, in characters. */
export const MIN_PASSWORD_LENGTH = 8;

/**
 * Whether a request target (path and query as received, or a whole URL) can name one of the
 * contract's routes. Routes match the path exactly as
 * sent; none of them has a character that needs a percent-escape, so a path with one (`/%6De`,
 * `/%`, `/me%2F`) is an unknown route (404) in every app. Without this rule Hono and Fastify would
 * decode `/%6De` to `/me` while Koa and Express would not.
 * @example isRoutablePath('/me?q=%20') // true; isRoutablePath('/%6De') // false
 */
export function isRoutablePath(target: string): boolean {
  // The request target as received, or the whole URL; the query is not part of the path.
  const query = target.indexOf('?');
  return !(query < 0 ? target : target.slice(0, query)).includes('%');
}

/**
 * Whether a request body may be read as JSON: its `Content-Type` is `application/json`, the type
 * in any case, parameters (`charset`) allowed. Anything else, a missing header included, is
 * answered 415 before the body is parsed, so a form or a `text/plain` body (what a cross-site page
 * can send without a preflight) never reaches the JSON parser.
 * @example isJsonContentType('application/json; charset=utf-8') // true
 */
export function isJsonContentType(contentType: string | null | undefined): boolean {
  if (typeof contentType !== 'string') return false;
  const semicolon = contentType.indexOf(';');
  const essence = (semicolon < 0 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return essence === 'application/json';
}

export interface DemoUser {
  username: string;
  permissions: readonly string[];
}

/** The users of `EXAMPLE_APPS.md`. Their passwords are public on purpose: this is a demo. */
export const DEMO_USERS: readonly (DemoUser & { password: string })[] = [
  { username: 'kevin', password: 'kevin-password', permissions: ['view', 'comment'] },
  { username: 'admin', password: 'admin-password', permissions: ['admin', 'view'] },
];

/**
 * A JSON object body with the given string fields, or undefined for anything else: not JSON,
 * not an object, a field missing or not a string.
 */
export function parseFields<K extends string>(rawBody: string, fields: readonly K[]): Record<K, string> | undefined {
  if (typeof rawBody !== 'string' || rawBody.length > MAX_BODY_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(rawBody);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out = {} as Record<K, string>;
  for (const field of fields) {
    const v: unknown = Object.hasOwn(value, field) ? (value as Record<string, unknown>)[field] : undefined;
    if (typeof v !== 'string') return undefined;
    out[field] = v;
  }
  return out;
}
