import { describe, expect, it } from 'vitest';
import {
  assertOptions,
  AUTHENTICATOR_OPTIONS,
  authFailureEvent,
  createAuthenticator,
  createDecryptor,
  createEncryptor,
  createSigner,
  createVerifier,
  encryptionKey,
  generateKeyPair,
  importKey,
  JwtError,
  keyRing,
  MemoryRevocationStore,
  remoteJwks,
  secretKey,
  sign,
  verify,
  type AuthFailureEvent,
} from '../src/index.js';

const SECRET = 'a-secret-that-is-at-least-32-bytes-long!';
const key = secretKey(SECRET);

/** The ERR_CONFIG_INVALID thrown by `fn`, with its message. */
function configFailure(fn: () => unknown): JwtError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(JwtError);
    expect((error as JwtError).code).toBe('ERR_CONFIG_INVALID');
    return error as JwtError;
  }
  throw new Error('expected ERR_CONFIG_INVALID, nothing was thrown');
}

async function configRejection(promise: Promise<unknown>): Promise<JwtError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JwtError);
  expect((error as JwtError).code).toBe('ERR_CONFIG_INVALID');
  return error as JwtError;
}

describe('unknown options', () => {
  it('createVerifier names a misspelled option and suggests the known one', () => {
    const error = configFailure(() => createVerifier({ key, issuer: 'auth', audience: 'api', audiance: 'api' } as never));
    expect(error.message).toBe('createVerifier: unknown option "audiance" (did you mean "audience"?)');
  });

  it('the suggestion ignores case (expiresin -> expiresIn)', () => {
    expect(configFailure(() => createSigner({ key, expiresIn: 60, expiresin: '1h' } as never)).message).toBe('createSigner: unknown option "expiresin" (did you mean "expiresIn"?)');
  });

  it('a name close to nothing known gets no suggestion', () => {
    expect(configFailure(() => createAuthenticator({ key, issuer: 'auth', audience: 'api', headerName: 'X-Token' } as never)).message).toBe('createAuthenticator: unknown option "headerName"');
  });

  it('every options object of the core is checked', async () => {
    const pair = await generateKeyPair('ES256');
    const jwe = encryptionKey(new Uint8Array(32));
    expect(configFailure(() => createEncryptor({ key: jwe, expiresIn: 60, issuerr: 'auth' } as never)).message).toContain('unknown option "issuerr" (did you mean "issuer"?)');
    expect(configFailure(() => createDecryptor({ key: jwe, issuer: 'auth', audience: 'api', audiance: 'api' } as never)).message).toContain('(did you mean "audience"?)');
    expect(configFailure(() => new MemoryRevocationStore({ maxTokenLifetime: '1h', maxEntry: 10 } as never)).message).toContain('unknown option "maxEntry" (did you mean "maxEntries"?)');
    expect(configFailure(() => remoteJwks('https://auth.example.com/jwks', { timout: 1000 } as never)).message).toBe('remoteJwks: unknown option "timout" (did you mean "timeout"?)');
    expect(configFailure(() => secretKey(SECRET, { algs: ['HS256'] } as never)).message).toBe('secretKey: unknown option "algs" (did you mean "alg"?)');
    expect(configFailure(() => keyRing({ active: pair.privateKey, verifyonly: [] } as never)).message).toContain('(did you mean "verifyOnly"?)');
    expect((await configRejection(importKey(SECRET, { kidd: 'a' } as never))).message).toBe('importKey: unknown option "kidd" (did you mean "kid"?)');
    expect((await configRejection(verify('a.b.c', key, { issuer: 'auth', audience: 'api', algorithm: ['HS256'] } as never))).message).toBe('verify(): unknown option "algorithm" (did you mean "algorithms"?)');
    expect((await configRejection(sign({}, key, { expiresIn: 60, subjet: 'a' } as never))).message).toBe('sign(): unknown option "subjet" (did you mean "subject"?)');
  });

  it('the same options without the typo are accepted', async () => {
    const verifier = createVerifier({ key, issuer: 'auth', audience: 'api' });
    const token = await createSigner({ key, expiresIn: 60, issuer: 'auth', audience: 'api' }).sign({ sub: 'kevin' });
    expect((await verifier.verify(token)).payload.sub).toBe('kevin');
    expect(new MemoryRevocationStore({ maxTokenLifetime: '1h', maxEntries: 10 })).toBeInstanceOf(MemoryRevocationStore);
  });
});

describe('values present but undefined', () => {
  it('an issuer read from an unset environment variable is a configuration error, not an unchecked issuer', () => {
    const env: Record<string, string | undefined> = {};
    const error = configFailure(() => createVerifier({ key, issuer: env.JWT_ISSUER as string, audience: 'api' }));
    expect(error.message).toBe('createVerifier: issuer is undefined (is an environment variable unset?); set it, or pass issuer: false to turn its check off explicitly');
    expect(configFailure(() => createVerifier({ key, issuer: 'auth', audience: env.JWT_AUDIENCE as string })).message).toContain('audience is undefined (is an environment variable unset?)');
  });

  it('an undefined key or algorithms says so', () => {
    expect(configFailure(() => createVerifier({ key: undefined as never, issuer: 'auth', audience: 'api' })).message).toContain('key is undefined (is an environment variable unset?)');
    expect(configFailure(() => createVerifier({ key, issuer: 'auth', audience: 'api', algorithms: undefined as never })).message).toContain('algorithms is undefined');
    expect(configFailure(() => createSigner({ key, expiresIn: undefined as never })).message).toContain('expiresIn is undefined');
  });

  it('an option where undefined means "not set" may be undefined', () => {
    expect(() => createAuthenticator({ key, issuer: 'auth', audience: 'api', realm: undefined as never, cookie: undefined as never })).not.toThrow();
  });
});

describe('wrong types', () => {
  it('names the option, the expected type and the type received', () => {
    expect(configFailure(() => createVerifier({ key, issuer: 'auth', audience: 'api', maxTokenLength: '8k' as never })).message).toBe('createVerifier: maxTokenLength must be a number, not string');
    expect(configFailure(() => createVerifier({ key, issuer: 42 as never, audience: 'api' })).message).toBe('createVerifier: issuer must be a string, an array or false, not number');
    expect(configFailure(() => createVerifier({ key, issuer: true as never, audience: 'api' })).message).toBe('createVerifier: issuer must be a string, an array or false, not boolean');
    expect(configFailure(() => createAuthenticator({ key, issuer: 'auth', audience: 'api', optional: 'yes' as never })).message).toBe('createAuthenticator: optional must be a boolean, not string');
  });

  it('an options value that is not an object is refused', () => {
    expect(configFailure(() => createVerifier(null as never)).message).toBe('createVerifier needs an options object');
    expect(configFailure(() => createSigner([] as never)).message).toBe('createSigner needs an options object');
  });
});

describe('issuer and audience are checked unless opted out explicitly (RFC 8725 3.8-3.9)', () => {
  const signer = createSigner({ key, expiresIn: 60, issuer: 'auth', audience: 'api' });

  it('a verifier without issuer names the option and its opt-out', () => {
    const error = configFailure(() => createVerifier({ key, audience: 'api' } as never));
    expect(error.message).toBe("issuer is required: the accepted iss value(s), e.g. issuer: 'https://auth.example.com', or issuer: false to accept any iss (RFC 8725 3.8)");
  });

  it('a verifier without audience names the option and its opt-out', () => {
    const error = configFailure(() => createVerifier({ key, issuer: 'auth' } as never));
    expect(error.message).toBe("audience is required: the accepted aud value(s), e.g. audience: 'api', or audience: false to accept any aud (RFC 8725 3.9)");
  });

  it('the one-shot verify() and the authenticator need them too', async () => {
    const token = await signer.sign({});
    expect((await configRejection(verify(token, key, {} as never))).message).toContain('issuer is required');
    expect(configFailure(() => createAuthenticator({ key, issuer: 'auth' } as never)).message).toContain('audience is required');
    expect(configFailure(() => createDecryptor({ key: encryptionKey(new Uint8Array(32)) } as never)).message).toContain('issuer is required');
  });

  it('with both set, a token from another issuer or for another audience is refused', async () => {
    const verifier = createVerifier({ key, issuer: 'auth', audience: 'api' });
    expect((await verifier.verify(await signer.sign({ sub: 'a' }))).payload.sub).toBe('a');
    const otherIssuer = await createSigner({ key, expiresIn: 60, issuer: 'evil', audience: 'api' }).sign({});
    await expect(verifier.verify(otherIssuer)).rejects.toMatchObject({ code: 'ERR_JWT_ISSUER_INVALID' });
    const otherAudience = await createSigner({ key, expiresIn: 60, issuer: 'auth', audience: 'billing' }).sign({});
    await expect(verifier.verify(otherAudience)).rejects.toMatchObject({ code: 'ERR_JWT_AUDIENCE_INVALID' });
  });

  it('issuer: false and audience: false accept any iss and aud, and only when written out', async () => {
    const open = createVerifier({ key, issuer: false, audience: false });
    const other = await createSigner({ key, expiresIn: 60, issuer: 'evil', audience: 'billing' }).sign({ sub: 'b' });
    expect((await open.verify(other)).payload.sub).toBe('b');
    const onlyIssuer = createVerifier({ key, issuer: 'auth', audience: false });
    await expect(onlyIssuer.verify(other)).rejects.toMatchObject({ code: 'ERR_JWT_ISSUER_INVALID' });
  });
});

describe('impossible combinations', () => {
  it('algorithms the key can never serve: RS256 with an HMAC secret', async () => {
    const error = configFailure(() => createVerifier({ key, issuer: 'auth', audience: 'api', algorithms: ['RS256'] }));
    expect(error.message).toBe('algorithms: the key (an HMAC secret) cannot verify RS256; it allows HS256');
    // The raw secret form is one known key too.
    expect(configFailure(() => createVerifier({ key: SECRET, issuer: 'auth', audience: 'api', algorithms: ['RS256', 'ES256'] })).message).toContain('cannot verify RS256, ES256');
    const { publicKey } = await generateKeyPair('ES256');
    expect(configFailure(() => createVerifier({ key: publicKey, issuer: 'auth', audience: 'api', algorithms: ['HS256'] })).message).toContain('(an EC public key) cannot verify HS256');
    // Negative twin: an algorithm the key serves is accepted.
    expect(() => createVerifier({ key, issuer: 'auth', audience: 'api', algorithms: ['HS256'] })).not.toThrow();
    expect(() => createVerifier({ key: publicKey, issuer: 'auth', audience: 'api', algorithms: ['ES256'] })).not.toThrow();
  });

  it('a signer without a lifetime names expiresIn; expiresIn: false says it explicitly', async () => {
    expect(configFailure(() => createSigner({ key })).message).toBe("createSigner: expiresIn is required, e.g. expiresIn: '15m'; pass expiresIn: false when every sign() call sets its own exp claim");
    expect(configFailure(() => createEncryptor({ key: encryptionKey(new Uint8Array(32)) })).message).toContain('createEncryptor: expiresIn is required');
    const explicit = createSigner({ key, expiresIn: false });
    const exp = Math.floor(Date.now() / 1000) + 60;
    const token = await explicit.sign({ exp });
    expect((await verify(token, key, { issuer: false, audience: false })).payload.exp).toBe(exp);
    // Still no token without exp (requireExp stays on).
    await expect(explicit.sign({})).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_MISSING', claim: 'exp' });
  });
});

describe('assertOptions for adapters', () => {
  it('checks the core rules spread into an adapter\'s own', () => {
    const rules = { ...AUTHENTICATOR_OPTIONS, onError: 'function' };
    expect(() => assertOptions({ key, issuer: 'a', audience: 'b', onError: () => undefined }, rules, 'jwt()')).not.toThrow();
    expect(configFailure(() => assertOptions({ key, onEror: () => undefined }, rules, 'jwt()')).message).toBe('jwt(): unknown option "onEror" (did you mean "onError"?)');
    expect(configFailure(() => assertOptions({ onError: 'log' }, rules, 'jwt()')).message).toBe('jwt(): onError must be a function, not string');
  });
});

describe('onFailure: operators see why a token was refused', () => {
  const clockNow = Date.now();
  const events: AuthFailureEvent[] = [];
  const auth = createAuthenticator({ key, issuer: 'auth', audience: 'api', onFailure: (event) => events.push(event) });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('names the missing or invalid claim, with the code and status, never the token', async () => {
    events.length = 0;
    const noAud = await createSigner({ key, expiresIn: 60, issuer: 'auth' }).sign({ sub: 'a' });
    const wrongIss = await createSigner({ key, expiresIn: 60, issuer: 'evil', audience: 'api' }).sign({});
    const noExp = await createSigner({ key, expiresIn: false, requireExp: false, issuer: 'auth', audience: 'api' }).sign({});
    const expired = await sign({ exp: Math.floor(clockNow / 1000) - 10 }, key, { expiresIn: false, issuer: 'auth', audience: 'api' });
    for (const token of [noAud, wrongIss, noExp, expired]) {
      const outcome = await auth.authenticate(bearer(token));
      expect(outcome.ok).toBe(false);
    }
    await auth.authenticate({});
    expect(events).toEqual([
      { code: 'ERR_JWT_CLAIM_MISSING', reason: 'claim missing: aud', status: 401 },
      { code: 'ERR_JWT_ISSUER_INVALID', reason: 'claim invalid: iss', status: 401 },
      { code: 'ERR_JWT_CLAIM_MISSING', reason: 'claim missing: exp', status: 401 },
      { code: 'ERR_JWT_EXPIRED', reason: 'claim invalid: exp', status: 401 },
      { code: 'ERR_JWT_MISSING', reason: 'token missing', status: 401 },
    ]);
    const text = JSON.stringify(events);
    for (const token of [noAud, wrongIss, noExp, expired]) for (const part of token.split('.')) expect(text).not.toContain(part);
  });

  it('is not called for an accepted token, and a throwing hook does not change the answer', async () => {
    events.length = 0;
    const good = await createSigner({ key, expiresIn: 60, issuer: 'auth', audience: 'api' }).sign({});
    expect((await auth.authenticate(bearer(good))).ok).toBe(true);
    expect(events).toEqual([]);
    const throwing = createAuthenticator({ key, issuer: 'auth', audience: 'api', onFailure: () => { throw new Error('logger down'); } });
    const outcome = await throwing.authenticate(bearer('not-a-token'));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.response.body).toEqual({ error: 'invalid_token', error_description: 'token malformed' });
  });

  it('authFailureEvent names header parameters as such', () => {
    expect(authFailureEvent(new JwtError('ERR_JWS_ALG_NOT_ALLOWED', { claim: 'alg' }))).toEqual({ code: 'ERR_JWS_ALG_NOT_ALLOWED', reason: 'header invalid: alg', status: 401 });
    expect(authFailureEvent(new JwtError('ERR_INSUFFICIENT_SCOPE'))).toEqual({ code: 'ERR_INSUFFICIENT_SCOPE', reason: 'insufficient scope', status: 403 });
  });
});
