import { afterEach, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../redis/test/redis-server.js';
import { runExampleApp, serverUrl } from './run.js';

describe('serverUrl', () => {
  it('prints the address as given, with brackets around IPv6', () => {
    expect(serverUrl('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000');
    expect(serverUrl('localhost', 41234)).toBe('http://localhost:41234');
    expect(serverUrl('::1', 3000)).toBe('http://[::1]:3000');
    expect(serverUrl('::', 8080)).toBe('http://[::]:8080');
  });
});

describe('runExampleApp: refusing to start', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  /** Runs the app with `env`; resolves to what it wrote on stderr and whether it started a server. */
  async function run(env: Record<string, string>): Promise<{ stderr: string; started: boolean; exitCode: typeof process.exitCode }> {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    let started = false;
    await runExampleApp({
      defaultPort: 0,
      env: { HOST: '127.0.0.1', ...env },
      start: () => {
        started = true;
        return Promise.reject(new Error('the app must not start'));
      },
    });
    const exitCode = process.exitCode;
    vi.restoreAllMocks();
    return { stderr, started, exitCode };
  }

  it.each([
    ['text naming a PUBLIC KEY', 'a secret that says PUBLIC KEY, and is long enough'],
    ['a JSON object (a JWK)', '{"kty":"oct","k":"this-is-long-enough-to-be-a-secret"}'],
  ])('exits 1 with one error line for a JWT_SECRET the core refuses: %s, never echoing it', async (_name, secret) => {
    const { stderr, started, exitCode } = await run({ JWT_SECRET: secret });
    expect(started).toBe(false);
    expect(exitCode).toBe(1);
    expect(stderr).toMatch(/^error: JWT_SECRET is not usable as an HS256 secret \(key invalid: [^\n]*\)\n$/);
    expect(stderr).not.toContain(secret);
    expect(stderr).not.toContain('long enough');
  });

  it('answers a short JWT_SECRET the same way', async () => {
    const { stderr, started, exitCode } = await run({ JWT_SECRET: 'short-secret' });
    expect({ started, exitCode }).toEqual({ started: false, exitCode: 1 });
    expect(stderr).toMatch(/^error: JWT_SECRET is too short[^\n]*\n$/);
    expect(stderr).not.toContain('short-secret');
  });

  it('exits 1 with one error line when REDIS_URL names a Redis that cannot be reached, never hanging', async () => {
    const port = await freePort();
    const { stderr, started, exitCode } = await run({ JWT_SECRET: 'a-long-enough-secret-for-the-example-app-0123456789', REDIS_URL: `redis://:pw-secret@127.0.0.1:${port}` });
    expect({ started, exitCode }).toEqual({ started: false, exitCode: 1 });
    expect(stderr).toContain(`error: REDIS_URL: Redis at 127.0.0.1:${port} cannot be reached; refusing to start (every token would be refused)\n`);
    expect(stderr).not.toContain('pw-secret');
  }, 20_000);
});
