/**
 * What both Redis stores (revocations, refresh families) need to reach Redis: the checks of their
 * shared connection options and the node-redis client made from them, so the two never differ on
 * what a usable address is or on how a dead connection is noticed.
 */
import { JwtError } from '@jwt/core';
import { createClient, type RedisClientOptions } from 'redis';

/** The part of a node-redis client (v5 and v6) the stores use. */
export interface Connection {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  subscribe(channels: string[], listener: (message: string, channel: string) => void): Promise<unknown>;
  duplicate(): Connection;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy(): void;
}

export function configError(detail: string, cause?: unknown): JwtError {
  return new JwtError('ERR_CONFIG_INVALID', cause === undefined ? { detail } : { detail, cause });
}

export function positiveMs(value: unknown, name: string, fallback: number, allowZero = false): number {
  const ms = value === undefined ? fallback : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || (ms === 0 && !allowZero) || ms > 600_000) {
    throw configError(`${name} must be a number of milliseconds between ${allowZero ? 0 : 1} and 600000`);
  }
  return ms;
}

/** The options every store takes to reach Redis. */
export interface ConnectionOptions {
  url?: string;
  clientOptions?: RedisClientOptions;
  keyPrefix?: string;
  connectTimeout?: number;
  onError?: (error: Error) => void;
}

/** Checks the address, prefix and error hook of a store's options; returns the key prefix. */
export function checkConnectionOptions(options: ConnectionOptions, owner: string, defaultPrefix: string): string {
  const { url, clientOptions } = options;
  if (url === undefined && clientOptions === undefined) throw configError(`${owner} needs a url (redis://host:port) or clientOptions`);
  if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//i.test(url))) throw configError('url must be a redis:// or rediss:// URL');
  if (clientOptions !== undefined && (typeof clientOptions !== 'object' || clientOptions === null)) throw configError('clientOptions must be an object');
  const prefix = options.keyPrefix ?? defaultPrefix;
  if (typeof prefix !== 'string' || prefix === '') throw configError('keyPrefix must be a non-empty string');
  if (options.onError !== undefined && typeof options.onError !== 'function') throw configError('onError must be a function');
  return prefix;
}

/**
 * A client for the checked options. The offline queue is always off, so a command never waits on a
 * dead connection; `extra` adds a store's own client settings, and the caller's `socket` options
 * win over the defaults.
 */
export function createConnection(options: ConnectionOptions, reconnectStrategy: (retries: number) => number, extra: Partial<RedisClientOptions> = {}): Connection {
  const { url, clientOptions } = options;
  const connectTimeout = positiveMs(options.connectTimeout, 'connectTimeout', 2000);
  const socket = (clientOptions?.socket ?? {}) as Record<string, unknown>;
  try {
    return createClient({
      ...(url === undefined ? {} : { url }),
      ...clientOptions,
      disableOfflineQueue: true,
      ...extra,
      socket: { connectTimeout, reconnectStrategy, ...socket },
    } as RedisClientOptions) as unknown as Connection;
  } catch {
    // No cause attached: it may quote the URL, password included.
    throw configError('url or clientOptions: not a usable Redis address');
  }
}
