/**
 * A real Koa server on 127.0.0.1 and a raw HTTP client (node:http, so tests can send headers
 * that fetch would refuse or normalise).
 */
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { afterAll, expect } from 'vitest';

export const SECRET = 'koa-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH';
export const OTHER_SECRET = 'koa-other-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEF';
export const ISSUER = 'koa-tests';
export const AUDIENCE = 'koa-api';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export interface Running {
  url: string;
  get(path: string, headers?: Record<string, string | string[]>): Promise<Reply>;
  close(): Promise<void>;
}

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** Starts `app` on an ephemeral port; closed after the file's tests. */
export async function serve(app: Koa): Promise<Running> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    get: (path, headers = {}) => send(url, 'GET', path, headers),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function send(url: string, method: string, path: string, headers: Record<string, string | string[]> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** The RFC 6750 answer for an invalid token, exactly: status, JSON body, challenge. */
export function expectInvalid(reply: Reply, description: string, realm = 'api'): void {
  expect({ status: reply.status, body: reply.json }).toEqual({ status: 401, body: { error: 'invalid_token', error_description: description } });
  expect(reply.headers['www-authenticate']).toBe(`Bearer realm="${realm}", error="invalid_token", error_description="${description}"`);
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
}

export function expectMissing(reply: Reply, realm = 'api'): void {
  expect({ status: reply.status, body: reply.json }).toEqual({ status: 401, body: { error: 'missing_token' } });
  expect(reply.headers['www-authenticate']).toBe(`Bearer realm="${realm}"`);
}

export function expectForbidden(reply: Reply, realm = 'api'): void {
  expect({ status: reply.status, body: reply.json }).toEqual({ status: 403, body: { error: 'insufficient_scope' } });
  expect(reply.headers['www-authenticate']).toBe(`Bearer realm="${realm}", error="insufficient_scope"`);
}
