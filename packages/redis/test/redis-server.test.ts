/**
 * The test harness's own promises: a restart keeps its port even when another process holds it
 * for a while, so the outage tests cannot fail for a reason that has nothing to do with the store.
 */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { redisAvailable, RedisServer } from './redis-server.js';

describe.skipIf(!redisAvailable)('RedisServer', () => {
  it('restarts on the same port once another process lets go of it', async () => {
    const redis = await RedisServer.start();
    try {
      await redis.stop();
      const squatter = createServer();
      await new Promise<void>((resolve) => squatter.listen(redis.port, '127.0.0.1', resolve));
      setTimeout(() => squatter.close(), 300);
      await redis.restart();
      expect(redis.running).toBe(true);
      const client = await redis.client();
      try {
        expect(await client.sendCommand(['PING'])).toBe('PONG');
      } finally {
        client.destroy();
      }
    } finally {
      await redis.dispose();
    }
  });

  it('gives up with the bind error when the port stays taken', async () => {
    const redis = await RedisServer.start();
    try {
      await redis.stop();
      const squatter = createServer();
      await new Promise<void>((resolve) => squatter.listen(redis.port, '127.0.0.1', resolve));
      try {
        await expect(redis.restart(500)).rejects.toThrow(/Address already in use/);
        expect(redis.running).toBe(false);
      } finally {
        await new Promise<void>((resolve) => squatter.close(() => resolve()));
      }
    } finally {
      await redis.dispose();
    }
  });
});
