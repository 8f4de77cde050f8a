/**
 * Which backend the core picks at load time. The real runtimes are covered by packages/edge-tests
 * (workerd with nodejs_compat, Deno, Bun); here the detection itself, with the globals those
 * runtimes set, on a fresh copy of the module each time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

async function freshBackend(): Promise<typeof import('./backend.js')> {
  vi.resetModules();
  return import('./backend.js');
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('backend detection', () => {
  it('uses node:crypto on Node', async () => {
    expect((await freshBackend()).backendName()).toBe('node');
  });

  it('uses WebCrypto on Cloudflare Workers even with nodejs_compat (process.getBuiltinModule present)', async () => {
    vi.stubGlobal('navigator', { userAgent: 'Cloudflare-Workers' });
    expect(typeof process.getBuiltinModule).toBe('function');
    expect((await freshBackend()).backendName()).toBe('webcrypto');
  });

  it('uses WebCrypto on Deno, whose node:crypto is a slower layer over it', async () => {
    vi.stubGlobal('Deno', { version: { deno: '2.9.6' } });
    expect((await freshBackend()).backendName()).toBe('webcrypto');
  });

  it('is not fooled by look-alikes: another user agent, a Deno global without a version', async () => {
    vi.stubGlobal('navigator', { userAgent: 'Mozilla/5.0' });
    vi.stubGlobal('Deno', {});
    expect((await freshBackend()).backendName()).toBe('node');
  });

  it('uses WebCrypto where process.getBuiltinModule is missing (browsers, Workers without nodejs_compat)', async () => {
    vi.stubGlobal('process', { ...process, getBuiltinModule: undefined });
    const backend = await freshBackend();
    expect(backend.backendName()).toBe('webcrypto');
    expect(() => backend.useBackend('node')).toThrow(/not available/);
  });
});
