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
