/**
 * verify() checks an asymmetric signature on the calling thread when no other verification is
 * waiting and hands it to libuv's thread pool (node:crypto's callback form) when some are, so a
 * lone verification pays no hand-over and a server's concurrent ones use every core. Which path a
 * check took is read from how node:crypto.verify was called (with or without a callback), never
 * from timing. The answers must be the same on both paths, for valid and forged tokens alike.
 */
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { offloadState, PROBE_EVERY, PROBE_INTERVAL_MS, QUIET_TO_IDLE } from '../src/common/backend.js';
import { createSigner, createVerifier, generateKeyPair, secretKey, type JwtError, type Verifier } from '../src/index.js';
import { expectJwtError } from './helpers.js';

// The very object the core's backend gets from process.getBuiltinModule('node:crypto').
const nodeCrypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');

const ASYMMETRIC = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'] as const;

function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'admin' })).toString('base64url');
  return `${header}.${forged}.${signature}`;
}

/** Which path each node:crypto.verify call took: 'pool' (callback form) or 'inline'. */
function watchPaths(): () => ('pool' | 'inline')[] {
  const spy = vi.spyOn(nodeCrypto, 'verify');
  return () => spy.mock.calls.map((call) => (typeof call[4] === 'function' ? 'pool' : 'inline'));
}

/** Settles every promise and reports each as its payload's sub or its error's code and message. */
async function outcomes(promises: Promise<{ payload: { sub?: string } }>[]): Promise<string[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) => (s.status === 'fulfilled' ? `ok ${s.value.payload.sub}` : `${(s.reason as JwtError).code} ${(s.reason as JwtError).message}`));
}

beforeEach(() => {
  // The rule's state is per process: every test starts from an idle one, probing by count alone
  // (the probe's time floor has a test of its own).
  offloadState(true, 0);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(ASYMMETRIC)('%s on the Node backend', (alg) => {
  async function setup(options: { offload?: boolean | 'always' } = {}) {
    const pair = await generateKeyPair(alg);
    const signer = createSigner({ key: pair.privateKey, expiresIn: 60 });
    const token = signer.signSync({ sub: 'kevin' });
    const expired = createSigner({ key: pair.privateKey, expiresIn: 60, clock: () => Date.now() - 3_600_000 }).signSync({ sub: 'kevin' });
    const other = await generateKeyPair(alg);
    const foreign = createSigner({ key: other.privateKey, expiresIn: 60 }).signSync({ sub: 'kevin' });
    return { token, expired, foreign, verifier: createVerifier({ issuer: false, audience: false, key: pair.publicKey, ...options }) };
  }

  it('a lone verify() checks on the calling thread: no hand-over when nothing else is waiting', async () => {
    const { token, verifier } = await setup();
    const paths = watchPaths();
    expect((await verifier.verify(token)).payload.sub).toBe('kevin');
    expect((await verifier.verify(token)).payload.sub).toBe('kevin');
    expect(paths()).toEqual(['inline', 'inline']);
  });

  it('verifications started together: the first on the calling thread, the others on the pool beside it', async () => {
    const { token, verifier } = await setup();
    const paths = watchPaths();
    expect(await outcomes(Array.from({ length: 4 }, () => verifier.verify(token)))).toEqual(Array(4).fill('ok kevin'));
    expect(paths()).toEqual(['inline', 'pool', 'pool', 'pool']);
    expect(offloadState()).toMatchObject({ pooled: 0, busy: true });
    // The overlap made the process busy; it goes back to the calling thread once checks come back
    // with nobody else having started meanwhile, QUIET_TO_IDLE in a row (the last of the four was one).
    for (let i = 0; i < QUIET_TO_IDLE; i++) await verifier.verify(token);
    expect(paths().slice(4)).toEqual([...Array(QUIET_TO_IDLE - 1).fill('pool'), 'inline']);
    expect(offloadState().busy).toBe(false);
  });

  it('the same verdicts, codes and messages on both paths: valid, forged, foreign key, expired', async () => {
    const { token, expired, foreign, verifier } = await setup();
    for (const t of [token, tamper(token), foreign, expired]) {
      offloadState(true);
      const paths = watchPaths();
      // Alone (calling thread), then three at once (the first inline, two on the pool).
      const lone = await outcomes([verifier.verify(t)]);
      const together = await outcomes([verifier.verify(t), verifier.verify(t), verifier.verify(t)]);
      expect(together).toEqual([lone[0], lone[0], lone[0]]);
      // An expired token fails after its signature was checked, so every case took both paths.
      expect(paths()).toEqual(['inline', 'inline', 'pool', 'pool']);
      vi.restoreAllMocks();
    }
    expect((await outcomes([verifier.verify(tamper(token))]))[0]).toBe('ERR_JWS_SIGNATURE_INVALID signature invalid');
  });

  it("offload: 'always' hands every check over; offload: false and verifySync() never do", async () => {
    const always = await setup({ offload: 'always' });
    const never = await setup({ offload: false });
    const paths = watchPaths();
    expect((await always.verifier.verify(always.token)).payload.sub).toBe('kevin');
    await expectJwtError(always.verifier.verify(tamper(always.token)), 'ERR_JWS_SIGNATURE_INVALID');
    expect(await outcomes(Array.from({ length: 3 }, () => never.verifier.verify(never.token)))).toEqual(Array(3).fill('ok kevin'));
    expect(never.verifier.verifySync(never.token).payload.sub).toBe('kevin');
    expect(() => never.verifier.verifySync(tamper(never.token))).toThrow(expect.objectContaining({ code: 'ERR_JWS_SIGNATURE_INVALID' }));
    expect(paths()).toEqual(['pool', 'pool', 'inline', 'inline', 'inline', 'inline', 'inline']);
  });
});

describe('the adaptive rule over time', () => {
  async function setup(): Promise<{ token: string; verifier: Verifier }> {
    const pair = await generateKeyPair('ES256');
    return { token: createSigner({ key: pair.privateKey, expiresIn: 60 }).signSync({ sub: 'kevin' }), verifier: createVerifier({ issuer: false, audience: false, key: pair.publicKey }) };
  }

  it(`one verification in ${PROBE_EVERY} on an idle process probes the pool; verifySync() never counts`, async () => {
    const { token, verifier } = await setup();
    const paths = watchPaths();
    for (let i = 0; i < 2 * PROBE_EVERY; i++) expect((await verifier.verify(token)).payload.sub).toBe('kevin');
    for (let i = 0; i < PROBE_EVERY; i++) verifier.verifySync(token);
    const seen = paths();
    expect(seen.filter((p) => p === 'pool')).toHaveLength(2);
    expect(seen[PROBE_EVERY - 1]).toBe('pool');
    expect(seen[2 * PROBE_EVERY - 1]).toBe('pool');
    expect(seen.slice(2 * PROBE_EVERY).every((p) => p === 'inline')).toBe(true);
  });

  it(`probes at most once per ${PROBE_INTERVAL_MS} ms, however many checks run meanwhile`, async () => {
    const { token, verifier } = await setup();
    offloadState(true, 60_000);
    const paths = watchPaths();
    // The first probe is due as soon as PROBE_EVERY checks ran; the next not within the minute.
    for (let i = 0; i < 4 * PROBE_EVERY; i++) await verifier.verify(token);
    const seen = paths();
    expect(seen.filter((p) => p === 'pool')).toHaveLength(1);
    expect(seen[PROBE_EVERY - 1]).toBe('pool');
  });

  it('a verification that starts while another is on the pool follows it there, then the process goes back to inline', async () => {
    const { token, verifier } = await setup();
    for (let i = 0; i < PROBE_EVERY - 1; i++) await verifier.verify(token);
    const paths = watchPaths();
    const probe = verifier.verify(token);
    // A later turn of the event loop (the pool answers in a macrotask, never between microtasks).
    await Promise.resolve();
    await Promise.resolve();
    const follower = verifier.verify(token);
    expect(offloadState()).toMatchObject({ pooled: 2, busy: true });
    expect(await outcomes([probe, follower])).toEqual(['ok kevin', 'ok kevin']);
    expect(offloadState().pooled).toBe(0);
    // Verifications one at a time from here on: after QUIET_TO_IDLE quiet returns (the follower's
    // was the first), checks run on the calling thread again.
    for (let i = 0; i < QUIET_TO_IDLE; i++) await verifier.verify(token);
    expect(paths()).toEqual(['pool', 'pool', ...Array(QUIET_TO_IDLE - 1).fill('pool'), 'inline']);
  });

  it('no starvation: a long stream of overlapping verifications all settle, and failures on the pool release it', async () => {
    const { token, verifier } = await setup();
    const paths = watchPaths();
    let settled = 0;
    const all: Promise<unknown>[] = [];
    // Each finished verification starts another while others are still away: a server under load.
    const chain = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        await verifier.verify(i % 3 === 0 ? tamper(token) : token).catch(() => undefined);
        settled++;
      }
    };
    for (let c = 0; c < 8; c++) all.push(chain(25));
    await Promise.all(all);
    expect(settled).toBe(200);
    const seen = paths();
    expect(seen).toHaveLength(200);
    expect(seen.filter((p) => p === 'pool').length).toBeGreaterThan(150);
    expect(offloadState().pooled).toBe(0);
    for (let i = 0; i < QUIET_TO_IDLE; i++) await verifier.verify(token);
    expect(paths()[200 + QUIET_TO_IDLE - 1]).toBe('inline');
    expect(offloadState().busy).toBe(false);
  });
});

describe('the thread-pool check on runtimes whose node:crypto behaves differently', () => {
  it('a node:crypto that ignores the callback and answers at once still settles verify()', async () => {
    const pair = await generateKeyPair('ES256');
    const token = createSigner({ key: pair.privateKey, expiresIn: 60 }).signSync({ sub: 'kevin' });
    const verifier = createVerifier({ issuer: false, audience: false, key: pair.publicKey, offload: 'always' });
    const real = nodeCrypto.verify.bind(nodeCrypto) as (...args: unknown[]) => boolean;
    vi.spyOn(nodeCrypto, 'verify').mockImplementation(((...args: unknown[]) => real(...args.slice(0, 4))) as typeof nodeCrypto.verify);
    expect((await verifier.verify(token)).payload.sub).toBe('kevin');
    await expectJwtError(verifier.verify(tamper(token)), 'ERR_JWS_SIGNATURE_INVALID');
  });

  it('a node:crypto that throws or reports an error is a failed check, never a crash or a hang', async () => {
    const pair = await generateKeyPair('ES256');
    const token = createSigner({ key: pair.privateKey, expiresIn: 60 }).signSync({ sub: 'kevin' });
    const verifier = createVerifier({ issuer: false, audience: false, key: pair.publicKey, offload: 'always' });
    vi.spyOn(nodeCrypto, 'verify').mockImplementation((() => {
      throw new Error('unsupported key');
    }) as typeof nodeCrypto.verify);
    await expectJwtError(verifier.verify(token), 'ERR_JWS_SIGNATURE_INVALID');
    vi.spyOn(nodeCrypto, 'verify').mockImplementation(((...args: unknown[]) => {
      (args[4] as (error: Error | null, ok: boolean) => void)(new Error('engine failure'), true);
    }) as typeof nodeCrypto.verify);
    await expectJwtError(verifier.verify(token), 'ERR_JWS_SIGNATURE_INVALID');
    // A check that failed on the pool still hands its place back.
    expect(offloadState().pooled).toBe(0);
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
    for (const bad of ['yes', 'auto', 1, null]) {
      await expectJwtError(() => createVerifier({ issuer: false, audience: false, key: pair.publicKey, offload: bad as never }), 'ERR_CONFIG_INVALID');
    }
    expect(() => createVerifier({ issuer: false, audience: false, key: pair.publicKey, offload: 'always' })).not.toThrow();
  });

  it('HMAC stays a synchronous check in verify(): no thread-pool hop for a few microseconds of work', async () => {
    const key = secretKey('a-secret-of-at-least-thirty-two-bytes!!');
    const token = createSigner({ key, expiresIn: 60 }).signSync({ sub: 'kevin' });
    const spy = vi.spyOn(nodeCrypto, 'verify');
    const verifier = createVerifier({ issuer: false, audience: false, key });
    expect(await outcomes(Array.from({ length: 2 * PROBE_EVERY }, () => verifier.verify(token)))).toEqual(Array(2 * PROBE_EVERY).fill('ok kevin'));
    expect(spy).not.toHaveBeenCalled();
    // HMAC checks leave the rule alone: they neither probe nor count as waiting.
    expect(offloadState()).toEqual({ pooled: 0, busy: false, inlineThisTurn: false, sinceProbe: 0 });
  });
});
