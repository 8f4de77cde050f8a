import { describe, expect, it } from 'vitest';
import { createSigner, createVerifier, JwtError } from '../src/index.js';

// Configuration mistakes throw when the signer/verifier is built, not at the first request.
describe('raw secrets are checked at construction', () => {
  const weak = 'too-short-secret';
  const strong = 'a-secret-that-is-at-least-32-bytes-long!';

  it('createVerifier throws ERR_KEY_WEAK for a short string secret', () => {
    expect(() => createVerifier({ key: weak })).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
  });

  it('createVerifier throws ERR_KEY_WEAK for short secret bytes', () => {
    expect(() => createVerifier({ key: new Uint8Array(16) })).toThrow(JwtError);
  });

  it('createSigner throws ERR_KEY_WEAK for a short string secret', () => {
    expect(() => createSigner({ key: weak, expiresIn: 60 })).toThrow(expect.objectContaining({ code: 'ERR_KEY_WEAK' }));
  });

  it('a strong raw secret signs and verifies synchronously (no import step pending)', () => {
    const token = createSigner({ key: strong, expiresIn: 60 }).signSync({ sub: 'kevin' });
    expect(createVerifier({ key: strong }).verifySync(token).payload.sub).toBe('kevin');
  });

  it('a raw secret never verifies a token signed with another secret', () => {
    const token = createSigner({ key: strong, expiresIn: 60 }).signSync({ sub: 'kevin' });
    expect(() => createVerifier({ key: `${strong}x` }).verifySync(token)).toThrow(expect.objectContaining({ code: 'ERR_JWS_SIGNATURE_INVALID' }));
  });
});

describe('key resolvers', () => {
  const strong = 'a-secret-that-is-at-least-32-bytes-long!';
  const token = createSigner({ key: strong, expiresIn: 60 }).signSync({ sub: 'kevin' });

  it('a resolver that throws a plain Error answers ERR_JWT_KEY_NOT_FOUND', async () => {
    const verifier = createVerifier({ key: () => { throw new Error('lookup failed'); } });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_KEY_NOT_FOUND' });
  });

  it('a resolver that rejects answers ERR_JWT_KEY_NOT_FOUND', async () => {
    const verifier = createVerifier({ key: async () => { throw new Error('lookup failed'); } });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_KEY_NOT_FOUND' });
  });

  it("a resolver's own JwtError passes through unchanged", async () => {
    const verifier = createVerifier({ key: () => { throw new JwtError('ERR_JWKS_FETCH_FAILED'); } });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_JWKS_FETCH_FAILED' });
  });
});
