/**
 * The crypto seam. On Node and Bun (runtimes that expose `process.getBuiltinModule` with a native
 * node:crypto), node:crypto is used synchronously: it is the fastest path there and needs no
 * promise per operation. Everywhere else (Cloudflare Workers, with or without nodejs_compat,
 * Deno, browsers) WebCrypto is used. There is no static `node:` import, so bundles for edge
 * runtimes never pull in a Node built-in.
 */
import type * as NodeCrypto from 'node:crypto';

export type NodeCryptoModule = typeof NodeCrypto;

function detectNodeCrypto(): NodeCryptoModule | undefined {
  // Cloudflare Workers with the nodejs_compat flag expose process.getBuiltinModule, but their
  // node:crypto is a partial polyfill: it throws on key options objects (ECDSA's dsaEncoding,
  // RSA-PSS padding) and fails valid signatures. WebCrypto is native there; use it.
  if ((globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent === 'Cloudflare-Workers') return undefined;
  // Deno's node:crypto is a compatibility layer over its own WebCrypto, and slower than it: about
  // half the speed for ECDSA and Ed25519 verification, and for HMAC (packages/edge-tests bench).
  if (typeof (globalThis as { Deno?: { version?: { deno?: unknown } } }).Deno?.version?.deno === 'string') return undefined;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return undefined;
  try {
    const mod = proc.getBuiltinModule('node:crypto') as NodeCryptoModule | undefined;
    return typeof mod?.createHmac === 'function' && typeof mod.sign === 'function' ? mod : undefined;
  } catch {
    return undefined;
  }
}

const detected = detectNodeCrypto();
let active: NodeCryptoModule | undefined = detected;

/** node:crypto when the Node backend is active, otherwise undefined (use WebCrypto). */
export function nodeCrypto(): NodeCryptoModule | undefined {
  return active;
}

export type BackendName = 'node' | 'webcrypto';

/** Which backend keys created from now on use. */
export function backendName(): BackendName {
  return active ? 'node' : 'webcrypto';
}

/**
 * Switches the backend for keys created afterwards. For tests that run the same suite on both
 * paths; not part of the public API.
 * @internal
 */
export function useBackend(name: BackendName): void {
  if (name === 'node' && !detected) throw new Error('node:crypto is not available on this runtime');
  active = name === 'node' ? detected : undefined;
}

export function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto is not available on this runtime');
  return s;
}

export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/**
 * When `verify()` hands an asymmetric signature check to libuv's thread pool (see the `offload`
 * option). The hand-over costs about as much as an RSA check itself, and it buys nothing when no
 * other verification is waiting: the caller would only sit idle until the pool answers. It pays
 * when verifications overlap, because then the event loop and the pool's threads work at once.
 *
 * Overlap is only partly visible from here: a check on the calling thread finishes before the
 * next request is even read, so a busy server and a script verifying in a loop look alike while
 * every check runs inline. The rule therefore combines what can be seen with a probe:
 * - a check goes to the pool when another one is there (its answer is not back yet), or when one
 *   already ran on the calling thread in this same turn of the event loop (a batch, such as
 *   `Promise.all` over many tokens: the first is checked here, the rest beside it). Either is
 *   overlap, and the process then stays *busy*: every check goes to the pool until
 *   {@link QUIET_TO_IDLE} in a row have come back without any other verification having started
 *   while they were away (one alone is not enough: a server's requests come in waves, and the
 *   last of a wave often returns to an empty queue);
 * - otherwise a check runs on the calling thread, except one in {@link PROBE_EVERY} (and at most
 *   one per {@link PROBE_INTERVAL_MS}), which goes to the pool anyway to find out: on a loaded
 *   server, requests arrive while it is away and the process turns busy; a script pays the
 *   hand-over once in that many checks. The time floor keeps that price small for cheap checks
 *   (RSA) and on a crowded machine, where waking a pool thread and then the event loop again was
 *   measured at about 2 ms a probe (a quarter of ES256's one-at-a-time throughput with a 10 ms
 *   floor, load average 20 on 2 cores). A server whose load rises runs inline for at most that
 *   long before it is noticed: no worse than `offload: false`.
 * Without the busy state, a server would fall back to the calling thread whenever the pool
 * happened to empty, and each inline check, by blocking the event loop meanwhile, would make the
 * next empty pool likelier (a third of the checks ran inline under load before it was added).
 * State is per process, as the thread pool and the event loop are.
 */
export const PROBE_EVERY = 32;
export const QUIET_TO_IDLE = 4;
export const PROBE_INTERVAL_MS = 50;

let pooled = 0;
let busy = false;
let quiet = 0;
let inlineThisTurn = false;
let sinceProbe = 0;
let lastProbe = 0;
let probeInterval = PROBE_INTERVAL_MS;
/** Asymmetric checks started so far (wraps harmlessly: only compared for equality). */
let started = 0;

function endTurn(): void {
  inlineThisTurn = false;
}

/** @internal Whether the next asymmetric check should go to the thread pool. */
export function offloadNext(): boolean {
  started = (started + 1) | 0;
  if (pooled > 0 || inlineThisTurn) {
    busy = true;
    quiet = 0;
    return true;
  }
  if (busy) return true;
  if (++sinceProbe >= PROBE_EVERY) {
    const now = Date.now();
    if (now - lastProbe >= probeInterval) {
      sinceProbe = 0;
      lastProbe = now;
      return true;
    }
  }
  inlineThisTurn = true;
  // Ends the turn once the caller's synchronous code has run: microtasks queued from here on
  // (the caller's own continuation included) are a later turn.
  queueMicrotask(endTurn);
  return false;
}

/** @internal Counts a check handed to the pool until its answer is back. */
export function pooledCheck<T>(answer: Promise<T>): Promise<T> {
  pooled++;
  const at = started;
  return answer.finally(() => {
    pooled--;
    // Nothing else started while this one was away: perhaps nobody is waiting any more.
    if (started === at && busy && ++quiet >= QUIET_TO_IDLE) busy = false;
  });
}

/**
 * @internal For tests: the scheduler's state, and a fresh start (only while no check is on the
 * pool), optionally with another probe interval (0: every PROBE_EVERY checks, whatever the time).
 */
export function offloadState(reset = false, interval = PROBE_INTERVAL_MS): { pooled: number; busy: boolean; inlineThisTurn: boolean; sinceProbe: number } {
  if (reset) {
    pooled = 0;
    busy = false;
    quiet = 0;
    inlineThisTurn = false;
    sinceProbe = 0;
    lastProbe = 0;
    probeInterval = interval;
  }
  return { pooled, busy, inlineThisTurn, sinceProbe };
}
