/**
 * Real redis-server processes for the tests, each on its own free loopback port, plus a TCP proxy
 * that can cut or silently black-hole the connections going through it.
 *
 * Without the binary every suite that imports this fails to load, in CI and out of it: a run that
 * skipped them would be green without having tested Redis at all. `npm test` finds or installs the
 * binary first (scripts/redis-server.mjs) and passes its path as `REDIS_SERVER`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import { expect } from 'vitest';
import { JwtError, type JwtErrorCode } from '@jwt/core';

const BINARY = process.env.REDIS_SERVER ?? 'redis-server';

export const redisAvailable: boolean = (() => {
  try {
    return spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
})();

if (!redisAvailable) {
  throw new Error(`${BINARY} not found: the @jwt/redis suites need a real Redis. Run them through \`npm test\` (it installs one when it can), or install it (sudo apt-get install redis-server), or set REDIS_SERVER=/path/to/redis-server`);
}

/**
 * How long a poll waits for state driven by another process or socket before calling it lost. Far
 * above what anything needs on an idle machine, so a busy one does not turn slowness into failures.
 */
export const SETTLE_MS = 10_000;

/** How many fresh ports `RedisServer.start()` tries when another process takes the one it picked. */
const START_ATTEMPTS = 5;

/**
 * A loopback port that was free a moment ago. Another process can take it before it is used, so
 * the user must retry on EADDRINUSE (as `RedisServer` does).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Fails the test with a clear message instead of hanging when something never settles. */
export function settleWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: still pending after ${ms} ms (a hang)`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Polls `condition` until true; fails after `ms`. For state driven by another process or socket. */
export async function eventually(condition: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function expectCode(run: Promise<unknown> | (() => unknown), code: JwtErrorCode): Promise<JwtError> {
  let outcome: unknown = 'success';
  try {
    await (typeof run === 'function' ? run() : run);
  } catch (error) {
    outcome = error;
  }
  if (!(outcome instanceof JwtError)) throw new Error(`expected JwtError ${code}, got ${outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : String(outcome)}`);
  expect(outcome.code).toBe(code);
  return outcome;
}

/** The raw commands the tests send to look at Redis behind the store's back. */
export interface PlainClient {
  sendCommand(args: string[]): Promise<unknown>;
  destroy(): void;
}

export interface RedisServerOptions {
  /** Keep the data across a restart (append-only file, fsync on every write), as production does. */
  persist?: boolean;
}

/** redis-server could not bind its port: someone else holds it. */
class AddressInUseError extends Error {}

export class RedisServer {
  readonly port: number;
  readonly #dir: string | undefined;
  #process: ChildProcess | undefined;

  private constructor(port: number, dir: string | undefined) {
    this.port = port;
    this.#dir = dir;
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = options.persist ? mkdtempSync(join(tmpdir(), 'jwt-redis-')) : undefined;
    for (let attempt = 1; ; attempt++) {
      // The port was free when picked; another process may take it before redis-server binds it.
      const server = new RedisServer(await freePort(), dir);
      try {
        await server.#spawn();
        return server;
      } catch (error) {
        if (error instanceof AddressInUseError && attempt < START_ATTEMPTS) continue;
        if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#process !== undefined;
  }

  #spawn(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--daemonize', 'no', '--loglevel', 'notice'];
    if (this.#dir !== undefined) args.push('--dir', this.#dir, '--appendonly', 'yes', '--appendfsync', 'always');
    else args.push('--appendonly', 'no');
    const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#process = child;
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => fail(new Error(`redis-server did not start: ${output.slice(-500)}`)), 10_000);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        if (this.#process === child) this.#process = undefined;
        reject(/address already in use/i.test(output) ? new AddressInUseError(error.message) : error);
      };
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.stdout.resume();
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('error', fail);
      // 'close', not 'exit': only then has all its output (the bind error included) been read.
      child.once('close', (code) => fail(new Error(`redis-server exited (${String(code)}): ${output.slice(-500)}`)));
    });
  }

  /** Stops the server the hard way, as a crash or a lost host would. */
  async stop(): Promise<void> {
    const child = this.#process;
    if (child === undefined) return;
    this.#process = undefined;
    child.removeAllListeners('close');
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /**
   * Starts it again on the same port (and, with `persist`, the same data). The port is what the
   * clients reconnect to, so it cannot change: if another process took it in the meantime, this
   * waits up to `portWaitMs` for it rather than fail.
   */
  async restart(portWaitMs = SETTLE_MS): Promise<void> {
    await this.stop();
    const deadline = Date.now() + portWaitMs;
    for (;;) {
      try {
        await this.#spawn();
        return;
      } catch (error) {
        if (!(error instanceof AddressInUseError) || Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
  }

  /** A plain node-redis client, to look at what the store wrote. Destroy it after use. */
  async client(): Promise<PlainClient> {
    const client = createClient({ url: this.url });
    client.on('error', () => undefined);
    await client.connect();
    return client as unknown as PlainClient;
  }
}

/**
 * Forwards 127.0.0.1:<port> to a Redis port. `cut()` drops every connection and refuses new ones
 * (a network partition the sockets notice); `blackhole()` keeps them open but forwards nothing
 * (one they do not notice), for every connection or only the pub/sub ones; `restore()` heals
 * either.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #mode: 'open' | 'cut' | 'blackhole' | 'blackhole-subscribers' = 'open';
  /** Connections that have sent SUBSCRIBE. */
  readonly #subscribers = new WeakSet<Socket>();
  port = 0;

  private constructor(targetPort: number) {
    this.#server = createServer((client) => {
      if (this.#mode === 'cut') {
        client.destroy();
        return;
      }
      // In a black hole, new connections are accepted and then hear nothing, like a dead route.
      const upstream = connect(targetPort, '127.0.0.1');
      const pair: [Socket, Socket] = [client, upstream];
      this.#pairs.add(pair);
      const drop = (): void => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      const forwards = (): boolean => this.#mode === 'open' || (this.#mode === 'blackhole-subscribers' && !this.#subscribers.has(client));
      client.on('data', (data: Buffer) => {
        if (/subscribe/i.test(data.toString('latin1'))) this.#subscribers.add(client);
        if (forwards()) upstream.write(data);
      });
      upstream.on('data', (data) => {
        if (forwards()) client.write(data);
      });
      for (const socket of pair) {
        socket.on('error', drop);
        socket.on('close', drop);
      }
    });
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    const address = proxy.#server.address();
    proxy.port = typeof address === 'object' && address !== null ? address.port : 0;
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  cut(): void {
    this.#mode = 'cut';
    for (const [a, b] of this.#pairs) {
      a.destroy();
      b.destroy();
    }
    this.#pairs.clear();
  }

  blackhole(): void {
    this.#mode = 'blackhole';
  }

  /** Only the pub/sub connections go silent; commands still pass. */
  blackholeSubscribers(): void {
    this.#mode = 'blackhole-subscribers';
  }

  restore(): void {
    // A healed black hole: the old connections are beyond saving, as after a real long partition.
    for (const [a, b] of this.#pairs) {
      a.destroy();
      b.destroy();
    }
    this.#pairs.clear();
    this.#mode = 'open';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
