/**
 * Encrypted JWTs. Two shapes: a nested token (claims signed as a JWS, then encrypted with
 * `cty: "JWT"`), which proves who issued it, and a claims set encrypted directly, which only
 * proves that the sender held the encryption key. With a secret (`dir`, AES key wrap) that is
 * authentication enough; with a public key (RSA-OAEP, ECDH-ES) anyone can make such a token, so
 * decrypting unsigned claims with a private key must be asked for explicitly (`allowUnsigned`).
 */
import { utf8, fromUtf8 } from '../common/base64url.js';
import { compileClaimOptions, validateClaims, type JwtClaims } from '../jws/claims.js';
import { toSeconds } from '../common/duration.js';
import { configError, JwtError } from '../common/errors.js';
import { asJwtError, compileEncryption, Decryption, encryptCompiled, innerToken, isNested, type CompactDecryptResult, type EncryptionOptions, type JweHeader, type DecryptionOptions } from './jwe.js';
import { ascii } from './jwe-content.js';
import { isJweKey, type JweKey } from './jwe-keys.js';
import { isPlainObject, parseJsonObject } from '../common/json.js';
import type { KeyInput } from '../keys/import-key.js';
import type { JwtKey } from '../keys/keys.js';
import type { JwsHeader } from '../keys/keyset.js';
import { andThen as then, type MaybePromise } from '../common/maybe-promise.js';
import { assertOptions, type OptionRules } from '../common/options.js';
import { createSigner, randomId, SIGN_OPTIONS, type SignOptions, type Signer } from '../jws/sign.js';
import { createVerifier, VERIFY_OPTIONS, type Verifier, type VerifyKey, type VerifyOptions } from '../jws/verify.js';

/** The claim-setting options shared with `sign()`. */
export type ClaimSettingOptions = Pick<SignOptions, 'expiresIn' | 'notBefore' | 'issuer' | 'audience' | 'subject' | 'jwtId' | 'timestamp' | 'requireExp' | 'clock'>;

export interface EncryptOptions extends ClaimSettingOptions, EncryptionOptions {
  /**
   * Sign the claims with this key first, then encrypt the signed token (a nested JWT, `cty: "JWT"`).
   * Recommended always, and needed in practice with public-key encryption (RSA-OAEP, ECDH-ES),
   * where encryption alone says nothing about who made the token.
   * @example signWith: await importKey(privatePem, { alg: 'ES256' })
   */
  signWith?: JwtKey | KeyInput;
  /**
   * Header options of the inner signed token, when `signWith` is set.
   * @default { typ: 'JWT' } and the signing key's kid and first algorithm
   * @example signOptions: { alg: 'ES256', kid: 'sig-2025' }
   */
  signOptions?: Pick<SignOptions, 'alg' | 'kid' | 'typ' | 'header'>;
}

export interface EncryptorOptions extends EncryptOptions {
  /** The encryption key: a secret, or the recipient's public (or private) key. */
  key: JweKey;
}

export interface Encryptor {
  /** Builds, optionally signs, and encrypts a claims set; resolves to a compact JWE. */
  encrypt(claims?: JwtClaims): Promise<string>;
  /** Synchronous on the Node backend; throws ERR_CONFIG_INVALID where a step must wait (WebCrypto, `zip` off Node). */
  encryptSync(claims?: JwtClaims): string;
}

const ENCRYPT_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({
  expiresIn: SIGN_OPTIONS.expiresIn!,
  notBefore: SIGN_OPTIONS.notBefore!,
  issuer: SIGN_OPTIONS.issuer!,
  audience: SIGN_OPTIONS.audience!,
  subject: SIGN_OPTIONS.subject!,
  jwtId: SIGN_OPTIONS.jwtId!,
  timestamp: SIGN_OPTIONS.timestamp!,
  requireExp: SIGN_OPTIONS.requireExp!,
  clock: SIGN_OPTIONS.clock!,
  alg: '!string',
  enc: '!string',
  kid: '!string|false',
  typ: '!string',
  cty: '!string',
  header: 'object',
  zip: 'boolean',
  apu: 'object',
  apv: 'object',
  signWith: '!any',
  signOptions: 'object',
});
const ENCRYPTOR_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ ...ENCRYPT_OPTIONS, key: '!any' });

const DECRYPT_OPTIONS: OptionRules = /* @__PURE__ */ (() => {
  const { decryptionKey: _d, requireEncryption: _r, ...rules } = VERIFY_OPTIONS;
  return Object.freeze({ ...rules, zip: 'boolean|object', verifyWith: '!any', allowUnsigned: 'boolean' });
})();
const DECRYPTOR_OPTIONS: OptionRules = /* @__PURE__ */ Object.freeze({ ...DECRYPT_OPTIONS, key: '!any' });

const CLAIM_SETTING = ['expiresIn', 'notBefore', 'issuer', 'audience', 'subject', 'jwtId', 'timestamp', 'requireExp', 'clock'] as const;
const ENCRYPTION_OPTIONS = ['alg', 'enc', 'kid', 'typ', 'cty', 'header', 'zip', 'apu', 'apv'] as const;

function pick<T extends object, K extends keyof T>(source: T, names: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const name of names) if (source[name] !== undefined) out[name] = source[name];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Claims of an unsigned encrypted token (a nested token gets them from its signer)

interface ClaimTemplate {
  fixed: JwtClaims;
  expiresIn: number | undefined;
  notBefore: number | undefined;
  jwtId: string | true | undefined;
  timestamp: boolean | 'ms';
  requireExp: boolean;
  clock: () => number;
}

function claimTemplate(o: ClaimSettingOptions): ClaimTemplate {
  const fixed: JwtClaims = {};
  if (o.issuer !== undefined) fixed.iss = o.issuer;
  if (o.subject !== undefined) fixed.sub = o.subject;
  if (o.audience !== undefined) fixed.aud = o.audience;
  if (o.jwtId !== undefined && o.jwtId !== true && typeof o.jwtId !== 'string') throw configError('jwtId must be a string or true');
  if (o.clock !== undefined && typeof o.clock !== 'function') throw configError('clock must be a function returning milliseconds');
  return {
    fixed,
    expiresIn: o.expiresIn === undefined || o.expiresIn === false ? undefined : toSeconds(o.expiresIn, 'expiresIn'),
    notBefore: o.notBefore === undefined ? undefined : toSeconds(o.notBefore, 'notBefore'),
    jwtId: o.jwtId,
    timestamp: o.timestamp ?? true,
    requireExp: o.requireExp ?? true,
    clock: o.clock ?? Date.now,
  };
}

function claimInvalid(claim: string): JwtError {
  return new JwtError('ERR_JWT_CLAIM_INVALID', { claim, detail: `claim invalid: ${claim}` });
}

function claimsText(t: ClaimTemplate, claims: JwtClaims | undefined): string {
  if (claims !== undefined && (!isPlainObject(claims) || Object.hasOwn(claims, '__proto__'))) throw new JwtError('ERR_JWT_CLAIM_INVALID', { detail: 'claim invalid: claims must be an object' });
  const ms = t.clock();
  const now = Math.floor(ms / 1000);
  const payload: JwtClaims = { ...t.fixed };
  if (t.timestamp === 'ms') payload.iat = ms / 1000;
  else if (t.timestamp) payload.iat = now;
  if (t.expiresIn !== undefined) payload.exp = now + t.expiresIn;
  if (t.notBefore !== undefined) payload.nbf = now + t.notBefore;
  if (t.jwtId !== undefined) payload.jti = t.jwtId === true ? randomId() : t.jwtId;
  if (claims !== undefined) Object.assign(payload, claims);
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const v = payload[name];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) throw claimInvalid(name);
  }
  for (const name of ['iss', 'sub', 'jti'] as const) if (payload[name] !== undefined && typeof payload[name] !== 'string') throw claimInvalid(name);
  const aud = payload.aud;
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) throw claimInvalid('aud');
  if (t.requireExp && payload.exp === undefined) throw new JwtError('ERR_JWT_CLAIM_MISSING', { claim: 'exp', detail: 'required claim missing: exp (set expiresIn, or requireExp: false)' });
  try {
    return JSON.stringify(payload);
  } catch (cause) {
    throw new JwtError('ERR_JWT_CLAIM_INVALID', { cause, detail: 'claim invalid: claims are not JSON-serialisable' });
  }
}

// ---------------------------------------------------------------------------------------------
// Encrypt

/**
 * Builds a reusable encryptor: keys, headers and claim options prepared once.
 * @example
 * const encryptor = createEncryptor({ key: encryptionKey(jweSecret), signWith: signingKey, issuer: 'auth', expiresIn: '15m' })
 * const token = await encryptor.encrypt({ sub: 'kevin', email: 'kevin@example.com' })
 */
export function createEncryptor(options: EncryptorOptions): Encryptor {
  assertOptions(options, ENCRYPTOR_OPTIONS, 'createEncryptor');
  // As with createSigner(): a reusable encryptor states its tokens' lifetime, or says it has none.
  if (options.expiresIn === undefined && options.requireExp !== false) {
    throw configError("createEncryptor: expiresIn is required, e.g. expiresIn: '15m'; pass expiresIn: false when every encrypt() call sets its own exp claim");
  }
  return encryptorOf(options);
}

function encryptorOf(options: EncryptorOptions): Encryptor {
  if (!isJweKey(options.key)) throw configError('createEncryptor needs key: a JweKey from encryptionKey(), importEncryptionKey() or generateEncryptionKeyPair()');
  const jwe = pick(options, ENCRYPTION_OPTIONS);
  const claimOptions = pick(options, CLAIM_SETTING);
  let signer: Signer | undefined;
  let template: ClaimTemplate | undefined;
  if (options.signWith !== undefined) {
    if (jwe.cty !== undefined && jwe.cty.toLowerCase() !== 'jwt') throw configError('a nested token has cty "JWT"');
    jwe.cty = 'JWT';
    if (options.signOptions !== undefined && !isPlainObject(options.signOptions)) throw configError('signOptions must be an object');
    // The lifetime was checked by the caller; the inner signer takes it as it is.
    signer = createSigner({ expiresIn: false, ...claimOptions, ...pick(options.signOptions ?? {}, ['alg', 'kid', 'typ', 'header']), key: options.signWith });
  } else {
    if (options.signOptions !== undefined) throw configError('signOptions needs signWith');
    template = claimTemplate(claimOptions);
  }
  const compiled = compileEncryption(options.key, jwe);
  return {
    encrypt(claims?: JwtClaims): Promise<string> {
      try {
        if (signer) return signer.sign(claims).then((jws) => encryptCompiled(compiled, ascii(jws)));
        return Promise.resolve(encryptCompiled(compiled, utf8(claimsText(template!, claims))));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    encryptSync(claims?: JwtClaims): string {
      const out = encryptCompiled(compiled, signer ? ascii(signer.signSync(claims)) : utf8(claimsText(template!, claims)));
      if (out instanceof Promise) {
        out.catch(() => undefined);
        throw configError('encryptSync: this runtime encrypts asynchronously (WebCrypto, or zip off Node); use encrypt()');
      }
      return out;
    },
  };
}

/**
 * Encrypts a claims set as a compact JWE; with `signWith`, signs it first (a nested JWT). An
 * expiry is required: pass `expiresIn` or an `exp` claim.
 * @example const token = await encrypt({ sub: 'kevin', email: 'k@example.com' }, jweKey, { signWith: jwsKey, expiresIn: '15m' })
 */
export function encrypt(claims: JwtClaims, key: JweKey, options: EncryptOptions = {}): Promise<string> {
  try {
    assertOptions(options, ENCRYPT_OPTIONS, 'encrypt()');
    return encryptorOf({ ...options, key }).encrypt(claims);
  } catch (error) {
    return Promise.reject(error);
  }
}

// ---------------------------------------------------------------------------------------------
// Decrypt

export interface DecryptOptions<T = JwtClaims> extends Omit<VerifyOptions<T>, 'decryptionKey' | 'requireEncryption'>, Pick<DecryptionOptions, 'zip'> {
  /**
   * Verify the signed token inside a nested JWT with this key (or key set, or resolver). The
   * token must then be nested (`cty: "JWT"`); `algorithms`, `typ` and `crit` apply to the inner token.
   * @example verifyWith: issuerPublicKey
   */
  verifyWith?: VerifyKey;
  /**
   * Without `verifyWith`, accept claims encrypted to a private key's public half without a
   * signature. Anyone holding that public key can make such a token: only turn this on when the
   * claims are not used to authenticate anyone.
   * @default false
   */
  allowUnsigned?: boolean;
}

export interface DecryptorOptions<T = JwtClaims> extends DecryptOptions<T> {
  /** The decryption key(s): secrets or private keys. With several, the header's `kid` selects. */
  key: JweKey | readonly JweKey[];
}

export interface DecryptResult<T = JwtClaims> {
  payload: T;
  /** The JWE protected header. */
  header: JweHeader;
  /** The key that decrypted the token. */
  key: JweKey;
  /** For nested tokens: the inner signed token's header and the key that verified it. */
  signed?: { header: JwsHeader; key: JwtKey };
}

export interface Decryptor<T = JwtClaims> {
  /** Decrypts (and, with `verifyWith`, verifies) a token; rejects with a `JwtError`. */
  decrypt(token: string): Promise<DecryptResult<T>>;
  /** Synchronous on the Node backend with local keys; throws ERR_CONFIG_INVALID where a step would wait. */
  decryptSync(token: string): DecryptResult<T>;
}

/**
 * Builds a reusable decryptor. With `verifyWith`, tokens must be nested (signed, then encrypted)
 * and the inner token goes through the usual verification (algorithms, claims, schema, revocation).
 * @example
 * const decryptor = createDecryptor({ key: jwePrivateKey, verifyWith: issuerPublicKey, issuer: 'auth', audience: 'api' })
 * const { payload } = await decryptor.decrypt(token)
 */
export function createDecryptor<T = JwtClaims>(options: DecryptorOptions<T>): Decryptor<T & JwtClaims> {
  if (typeof options === 'object' && options !== null && ('decryptionKey' in options || 'requireEncryption' in options)) throw configError('createDecryptor takes key (and verifyWith), not decryptionKey');
  assertOptions(options, DECRYPTOR_OPTIONS, 'createDecryptor');
  const { key, verifyWith, allowUnsigned, zip, ...verifyOptions } = options;
  if ('decryptionKey' in verifyOptions || 'requireEncryption' in verifyOptions) throw configError('createDecryptor takes key (and verifyWith), not decryptionKey');
  const decryption = new Decryption(key, { zip: zip ?? false, ...(options.maxTokenLength === undefined ? {} : { maxTokenLength: options.maxTokenLength }) });
  type R = DecryptResult<T & JwtClaims>;
  let finish: (opened: CompactDecryptResult, sync: boolean) => MaybePromise<R>;
  if (verifyWith !== undefined) {
    const verifier: Verifier<T & JwtClaims> = createVerifier<T>({ ...(verifyOptions as VerifyOptions<T>), key: verifyWith });
    finish = (opened, sync) => {
      const inner = innerToken(opened);
      const toResult = (v: { payload: T & JwtClaims; header: JwsHeader; key: JwtKey }): R => ({ payload: v.payload, header: opened.header, key: opened.key, signed: { header: v.header, key: v.key } });
      return sync ? toResult(verifier.verifySync(inner)) : verifier.verify(inner).then(toResult);
    };
  } else {
    const keys = isJweKey(key) ? [key] : key;
    if (allowUnsigned !== undefined && typeof allowUnsigned !== 'boolean') throw configError('allowUnsigned must be a boolean');
    if (!allowUnsigned && keys.some((k) => isJweKey(k) && k.kind === 'private')) {
      throw configError('anyone can encrypt to a public key: pass verifyWith to require a signed (nested) token, or allowUnsigned: true');
    }
    if (verifyOptions.algorithms !== undefined) throw configError('algorithms apply to a signed token: pass verifyWith');
    const claims = compileClaimOptions(verifyOptions);
    const typ = verifyOptions.typ === undefined ? undefined : verifyOptions.typ.toLowerCase().replace(/^application\//, '');
    const { schema, revocation } = verifyOptions;
    if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function') throw configError('schema must implement Standard Schema v1');
    if (revocation !== undefined && typeof revocation?.isRevoked !== 'function') throw configError('revocation must have an isRevoked(claims) method');
    if (verifyOptions.crit !== undefined && verifyOptions.crit.length > 0) throw configError('crit applies to a signed token: pass verifyWith');
    finish = (opened) => {
      if (isNested(opened.header)) throw new JwtError('ERR_JWT_TYPE_INVALID', { claim: 'cty', detail: 'token type invalid: a nested token needs verifyWith' });
      if (typ !== undefined && (typeof opened.header.typ !== 'string' || opened.header.typ.toLowerCase().replace(/^application\//, '') !== typ)) throw new JwtError('ERR_JWT_TYPE_INVALID', { claim: 'typ' });
      const payload = parseJsonObject(fromUtf8(opened.plaintext)) as JwtClaims;
      validateClaims(payload, claims);
      const validated: MaybePromise<T & JwtClaims> = schema === undefined ? (payload as T & JwtClaims) : (applySchema(schema, payload) as MaybePromise<T & JwtClaims>);
      return then(validated, (value) => {
        const result: R = { payload: value, header: opened.header, key: opened.key };
        if (revocation === undefined) return result;
        // The claims as decrypted (not the schema's output, which may drop jti or sub); the JWE
        // header stands in for the JWS header a revocation store is usually given.
        return then(checkRevocation(() => revocation.isRevoked(payload, opened.header as unknown as JwsHeader)), () => result);
      });
    };
  }
  return {
    decrypt(token: string): Promise<R> {
      try {
        const r = then(decryption.run(token), (opened) => finish(opened, false));
        return r instanceof Promise ? r.catch((e: unknown) => Promise.reject(asJwtError(e))) : Promise.resolve(r);
      } catch (error) {
        return Promise.reject(asJwtError(error));
      }
    },
    decryptSync(token: string): R {
      let r: MaybePromise<R>;
      try {
        r = then(decryption.run(token), (opened) => finish(opened, true));
      } catch (error) {
        throw asJwtError(error);
      }
      if (r instanceof Promise) {
        r.catch(() => undefined);
        throw configError('decryptSync: this decryptor needs asynchronous steps (WebCrypto, zip off Node, an async schema or store); use decrypt()');
      }
      return r;
    },
  };
}

function applySchema<T>(schema: NonNullable<VerifyOptions<T>['schema']>, payload: JwtClaims): MaybePromise<T> {
  let outcome;
  try {
    outcome = schema['~standard'].validate(payload);
  } catch (cause) {
    throw new JwtError('ERR_JWT_SCHEMA_INVALID', { cause });
  }
  return then(outcome, (r) => {
    if (r.issues !== undefined) throw new JwtError('ERR_JWT_SCHEMA_INVALID');
    return r.value;
  });
}

function checkRevocation(ask: () => boolean | Promise<boolean>): MaybePromise<void> {
  const fail = (cause: unknown): never => {
    throw cause instanceof JwtError ? cause : new JwtError('ERR_REVOCATION_UNAVAILABLE', { cause });
  };
  let revoked: boolean | Promise<boolean>;
  try {
    revoked = ask();
  } catch (cause) {
    return fail(cause);
  }
  const decide = (r: boolean): void => {
    if (r) throw new JwtError('ERR_JWT_REVOKED');
  };
  return revoked instanceof Promise ? revoked.then(decide, fail) : decide(revoked);
}

/**
 * Decrypts an encrypted JWT and validates its claims; with `verifyWith`, it must be a nested
 * token whose inner signature is verified. `exp` is required by default.
 * @example const { payload } = await decrypt(token, jweKey, { verifyWith: issuerKey, audience: 'api' })
 */
export function decrypt<T = JwtClaims>(token: string, key: JweKey | readonly JweKey[], options: DecryptOptions<T>): Promise<DecryptResult<T & JwtClaims>> {
  try {
    assertOptions(options, DECRYPT_OPTIONS, 'decrypt()');
    return createDecryptor<T>({ ...options, key }).decrypt(token);
  } catch (error) {
    return Promise.reject(asJwtError(error));
  }
}
