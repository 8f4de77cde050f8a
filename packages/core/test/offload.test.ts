/**
 * verify() hands asymmetric signature checks to libuv's thread pool (node:crypto's callback form),
 * so a server's concurrent requests use every core; verifySync() checks on the calling thread.
 * The answers must be the same either way, for valid and for forged signatures alike.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSigner, createVerifier, generateKeyPair, secretKey } from '../src/index.js';
import { expectJwtError } from './helpers.js';

// The very object the core's backend gets from process.getBuiltinModule('node:crypto').
const nodeCrypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');

const ASYMMETRIC = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'] as const;

function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'admin' })).toString('base64url');
  return `${header}.${forged}.${signature}`;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(ASYMMETRIC)('%s on the Node backend', (alg) => {
  async function setup() {
    const pair = await generateKeyPair(alg);
    const token = createSigner({ key: pair.privateKey, expiresIn: 60 }).signSync({ sub: 'kevin' });
    return { token, verifier: createVerifier({ issuer: false, audience: false, key: pair.publicKey }) };
  }

  it('verify() checks the signature on the thread pool (callback form) and answers the claims', async () => {
    const { token, verifier } = await setup();
    const spy = vi.spyOn(nodeCrypto, 'verify');
    const { payload } = await verifier.verify(token);
    expect(payload.sub).toBe('kevin');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(typeof spy.mock.calls[0]![4]).toBe('function');
  });

  it('verify() refuses a forged payload and a foreign signature from the thread pool too', async () => {
    const { token, verifier } = await setup();
    await expectJwtError(verifier.verify(tamper(token)), 'ERR_JWS_SIGNATURE_INVALID');
    const other = await generateKeyPair(alg);
    const foreign = createSigner({ key: other.privateKey, expiresIn: 60 }).signSync({ sub: 'kevin' });
    await expectJwtError(verifier.verify(foreign), 'ERR_JWS_SIGNATURE_INVALID');
  });

  it('verifySync() checks on the calling thread, with the same answers', async () => {
    const { token, verifier } = await setup();
    const spy = vi.spyOn(nodeCrypto, 'verify');
    expect(verifier.verifySync(token).payload.sub).toBe('kevin');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![4]).toBeUndefined();
    expect(() => verifier.verifySync(tamper(token))).toThrow(expect.objectContaining({ code: 'ERR_JWS_SIGNATURE_INVALID' }));
  });
});

describe('the thread-pool check on runtimes whose node:crypto behaves differently', () => {
  it('a node:crypto that ignores the callback and answers at once still settles verify()', async () => {
    const pair = await generateKeyPair('ES256');
    const token = createSigner({ key: pair.privateKey, expiresIn: 60 }).signSync({ sub: 'kevin' });
    const verifier = createVerifier({ issuer: false, audience: false, key: pair.publicKey });
    const real = nodeCrypto.verify.bind(nodeCrypto) as (...args: unknown[]) => boolean;
    vi.spyOn(nodeCrypto, 'verify').mockImplementation(((...args: unknown[]) => real(...args.slice(0, 4))) as typeof nodeCrypto.verify);
    expect((await verifier.verify(token)).payload.sub).toBe('kevin');
    await expectJwtError(verifier.verify(tamper(token)), 'ERR_JWS_SIGNATURE_INVALID');
  });

  it('a node:crypto that throws or reports an error is a failed check, never a crash or a hang', async () => {
    const pair = await generateKeyPair('ES256');
    const token = createSigner({ key: pair.privateKey, expiresIn: 60 }).signSync({ sub: 'kevin' });
    const verifier = createVerifier({ issuer: false, audience: false, key: pair.publicKey });
    vi.spyOn(nodeCrypto, 'verify').mockImplementation((() => {
      throw new Error('unsupported key');
    }) as typeof nodeCrypto.verify);
    await expectJwtError(verifier.verify(token), 'ERR_JWS_SIGNATURE_INVALID');
    vi.spyOn(nodeCrypto, 'verify').mockImplementation(((...args: unknown[]) => {
      (args[4] as (error: Error | null, ok: boolean) => void)(new Error('engine failure'), true);
    }) as typeof nodeCrypto.verify);
    await expectJwtError(verifier.verify(token), 'ERR_JWS_SIGNATURE_INVALID');
  });

  it('offload: false keeps the check on the calling thread in verify() too; a non-boolean is a configuration error', async () => {
    const pair = await generateKeyPair('ES256');
    const token = createSigner({ key: pair.privateKey, expiresIn: 60 }).signSync({ sub: 'kevin' });
    const spy = vi.spyOn(nodeCrypto, 'verify');
    const verifier = createVerifier({ issuer: false, audience: false, key: pair.publicKey, offload: false });
    expect((await verifier.verify(token)).payload.sub).toBe('kevin');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![4]).toBeUndefined();
    await expectJwtError(verifier.verify(tamper(token)), 'ERR_JWS_SIGNATURE_INVALID');
    await expectJwtError(() => createVerifier({ issuer: false, audience: false, key: pair.publicKey, offload: 'yes' as never }), 'ERR_CONFIG_INVALID');
  });

  it('HMAC stays a synchronous check in verify(): no thread-pool hop for a few microseconds of work', async () => {
    const key = secretKey('a-secret-of-at-least-thirty-two-bytes!!');
    const token = createSigner({ key, expiresIn: 60 }).signSync({ sub: 'kevin' });
    const spy = vi.spyOn(nodeCrypto, 'verify');
    expect((await createVerifier({ issuer: false, audience: false, key }).verify(token)).payload.sub).toBe('kevin');
    expect(spy).not.toHaveBeenCalled();
  });
});
