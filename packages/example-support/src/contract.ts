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
