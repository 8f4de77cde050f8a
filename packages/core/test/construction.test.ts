import { describe, expect, it } from 'vitest';
import { createSigner, createVerifier, JwtError } from '../src/index.js';

// Configuration mistakes throw when the signer/verifier is built, not at the first request.
describe('raw secrets are checked at construction', () => {
  const weak = 'too-short-secret';
  const strong = 'a-secret-that-is-at-least-32-bytes-long!';

  it('createVerifier throws ERR_KEY_WEAK for a short string secret', () => {
    expect(() => createVerifier({ issuer: false, audience: false, key: weak })).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
  });

  it('createVerifier throws ERR_KEY_WEAK for short secret bytes', () => {
    expect(() => createVerifier({ issuer: false, audience: false, key: new Uint8Array(16) })).toThrow(JwtError);
  });

  it('createSigner throws ERR_KEY_WEAK for a short string secret', () => {
    expect(() => createSigner({ key: weak, expiresIn: 60 })).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
  });

  it('a strong raw secret signs and verifies synchronously (no import step pending)', () => {
    const token = createSigner({ key: strong, expiresIn: 60 }).signSync({ sub: 'kevin' });
    expect(createVerifier({ issuer: false, audience: false, key: strong }).verifySync(token).payload.sub).toBe('kevin');
  });

  it('a raw secret never verifies a token signed with another secret', () => {
    const token = createSigner({ key: strong, expiresIn: 60 }).signSync({ sub: 'kevin' });
    expect(() => createVerifier({ issuer: false, audience: false, key: `${strong}x` }).verifySync(token)).toThrow(expect.objectContaining({ code: 'ERR_JWS_SIGNATURE_INVALID' }));
  });
});

describe('key resolvers', () => {
  const strong = 'a-secret-that-is-at-least-32-bytes-long!';
  const token = createSigner({ key: strong, expiresIn: 60 }).signSync({ sub: 'kevin' });

  it('a resolver that throws a plain Error answers ERR_JWT_KEY_NOT_FOUND', async () => {
    const verifier = createVerifier({ issuer: false, audience: false, key: () => { throw new Error('lookup failed'); } });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_KEY_NOT_FOUND' });
  });

  it('a resolver that rejects answers ERR_JWT_KEY_NOT_FOUND', async () => {
    const verifier = createVerifier({ issuer: false, audience: false, key: async () => { throw new Error('lookup failed'); } });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_KEY_NOT_FOUND' });
  });

  it("a resolver's own JwtError passes through unchanged", async () => {
    const verifier = createVerifier({ issuer: false, audience: false, key: () => { throw new JwtError('ERR_JWKS_FETCH_FAILED'); } });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_JWKS_FETCH_FAILED' });
  });
});

describe('a public key without its PEM armour is never an HMAC secret', async () => {
  const { generateKeyPairSync, createHmac } = await import('node:crypto');
  const { secretKey, verify } = await import('../src/index.js');
  const pairs = {
    rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    ec: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    ed25519: generateKeyPairSync('ed25519'),
  };
  const forms = Object.entries(pairs).flatMap(([name, pair]) => {
    const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
    const forms: [string, string | Uint8Array][] = [
      [`${name} SPKI DER bytes`, new Uint8Array(spki)],
      [`${name} SPKI base64`, spki.toString('base64')],
      [`${name} SPKI base64 with line breaks`, spki.toString('base64').replace(/(.{64})/g, '$1\n')],
      [`${name} SPKI base64url`, spki.toString('base64url')],
      [`${name} SPKI hex`, spki.toString('hex')],
      [`${name} SPKI base64 as file bytes`, new TextEncoder().encode(spki.toString('base64'))],
    ];
    if (name === 'rsa') forms.push([`${name} PKCS#1 DER bytes`, new Uint8Array(pair.publicKey.export({ type: 'pkcs1', format: 'der' }))]);
    return forms;
  });

  it.each(forms)('secretKey refuses %s', (_name, form) => {
    expect(() => secretKey(form)).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
  });

  it.each(forms)('a verifier given %s refuses to start, so a token forged with it never verifies', async (_name, form) => {
    const header = Buffer.from('{"alg":"HS256"}').toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    const forged = `${header}.${payload}.${createHmac('sha256', Buffer.from(form)).update(`${header}.${payload}`).digest('base64url')}`;
    expect(() => createVerifier({ issuer: false, audience: false, key: form })).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
    await expect(verify(forged, form as string, { issuer: false, audience: false })).rejects.toMatchObject({ code: 'ERR_KEY_INVALID' });
  });

  it('random secrets, including base64 and hex ones, are still accepted', () => {
    const random = crypto.getRandomValues(new Uint8Array(48));
    expect(secretKey(random).kind).toBe('secret');
    expect(secretKey(Buffer.from(random).toString('base64')).kind).toBe('secret');
    expect(secretKey(Buffer.from(random).toString('hex')).kind).toBe('secret');
    expect(secretKey('a-secret-that-is-at-least-32-bytes-long!').kind).toBe('secret');
  });
});

describe('inherited names are not claims', () => {
  const strong = 'a-secret-that-is-at-least-32-bytes-long!';
  it('requiredClaims does not find `constructor` or `toString` through the prototype', async () => {
    const token = createSigner({ key: strong, expiresIn: 60 }).signSync({ sub: 'kevin' });
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      await expect(createVerifier({ issuer: false, audience: false, key: strong, requiredClaims: [name] }).verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_MISSING' });
    }
    const withIt = createSigner({ key: strong, expiresIn: 60 }).signSync({ sub: 'kevin', toString: 'yes' });
    await expect(createVerifier({ issuer: false, audience: false, key: strong, requiredClaims: ['toString'] }).verify(withIt)).resolves.toBeTruthy();
  });

  it('permissions are not read from the prototype', async () => {
    const { grantedPermissions, requirePermissionsOf } = await import('../src/index.js');
    expect(grantedPermissions({ sub: 'a' }, 'constructor')).toEqual([]);
    expect(() => requirePermissionsOf({ sub: 'a' }, ['x'], { claim: 'toString' })).toThrow(expect.objectContaining({ code: 'ERR_INSUFFICIENT_SCOPE' }));
  });
});

describe('raw PEM and JWK keys are checked at construction on Node', async () => {
  const { generateKeyPairSync } = await import('node:crypto');
  const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ed = generateKeyPairSync('ed25519');

  it('a malformed PEM throws ERR_KEY_INVALID when the verifier is built', () => {
    expect(() => createVerifier({ issuer: false, audience: false, key: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' })).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
  });

  it('a 1024-bit RSA key, as PEM or JWK, throws ERR_KEY_WEAK when the verifier is built', () => {
    const pem = weakRsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(() => createVerifier({ issuer: false, audience: false, key: pem })).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
    expect(() => createVerifier({ issuer: false, audience: false, key: weakRsa.publicKey.export({ format: 'jwk' }) as never })).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
    expect(() => createVerifier({ issuer: false, audience: false, key: weakRsa.publicKey })).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
  });

  it('a public key cannot build a signer', () => {
    const pem = ed.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(() => createSigner({ key: pem, expiresIn: 60 })).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
  });

  it('a good PEM pair signs and verifies synchronously from construction', () => {
    const signer = createSigner({ key: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, expiresIn: 60 });
    const verifier = createVerifier({ issuer: false, audience: false, key: ed.publicKey.export({ type: 'spki', format: 'pem' }) as string });
    expect(verifier.verifySync(signer.signSync({ sub: 'kevin' })).payload.sub).toBe('kevin');
  });
});

describe('a URL is never an HMAC secret, as text or as bytes', async () => {
  const { secretKey } = await import('../src/index.js');
  const url = 'https://issuer.example.com/.well-known/jwks.json';
  it('refuses the URL as a string and as its UTF-8 bytes', () => {
    expect(() => secretKey(url)).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
    expect(() => secretKey(new TextEncoder().encode(url))).toThrow(expect.objectContaining({ code: 'ERR_KEY_INVALID' }));
  });
  it('accepts text that merely mentions a URL later on', () => {
    expect(secretKey(`my secret, see ${url}`).kind).toBe('secret');
  });
});
