/**
 * The JOSE header members the core reads from a token, checked for their JSON type in one place
 * for both parsers (JWS in verify.ts, JWE in jwe.ts). A member of the wrong type is a malformed
 * token whatever the options say: read later as a string, `{"typ":["JWT"]}` or `{"kid":1}` would
 * otherwise pass or fail by the accident of a coercion. `jku`, `x5u`, `jwk` and `x5c` are never
 * read (keys come from the verifier's configuration only), so they are not checked. `alg`, `enc`,
 * `crit` and the JWE key-management members have their own checks beside their use.
 */
import { JwtError } from './errors.js';
import type { JsonObject } from './json.js';

/** Optional members that must be strings when present (RFC 7515 section 4.1, RFC 7516 section 4.1). */
const STRING_MEMBERS = ['kid', 'typ', 'cty'] as const;

/** Throws ERR_JWT_MALFORMED (naming the member, never its value) when `kid`, `typ` or `cty` is present and not a string. */
export function checkHeaderTypes(header: JsonObject): void {
  for (const name of STRING_MEMBERS) {
    const value = header[name];
    if (value !== undefined && typeof value !== 'string') throw new JwtError('ERR_JWT_MALFORMED', { claim: name, detail: `token malformed: ${name}` });
  }
}
