import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: readonly Platform[] = ['express', 'fastify'];

export interface RunningApp {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/** A real Nest application on a real HTTP server, on 127.0.0.1 and a free port. */
export async function startApp(platform: Platform, metadata: ModuleMetadata, setup?: (app: INestApplication) => void): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  const app = moduleRef.createNestApplication(adapter, { logger: false });
  setup?.(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

export interface Answer {
  status: number;
  body: string;
  wwwAuthenticate: string | null;
  contentType: string | null;
}

export async function call(base: string, path: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(base + path, init);
  return { status: res.status, body: await res.text(), wwwAuthenticate: res.headers.get('www-authenticate'), contentType: res.headers.get('content-type') };
}

/**
 * A request through node:http, for headers fetch cannot send: a header given as an array goes out
 * once per value (a repeated Authorization header), and an empty value goes out as is.
 */
export function nodeCall(base: string, path: string, method: string, headers: Record<string, string | string[]>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const challenge = res.headers['www-authenticate'];
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), wwwAuthenticate: challenge ?? null, contentType: res.headers['content-type'] ?? null });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export function bearer(token: string): RequestInit {
  return { headers: { authorization: `Bearer ${token}` } };
}

export const REALM = 'test-realm';

export function invalidToken(description: string): Pick<Answer, 'status' | 'body' | 'wwwAuthenticate'> {
  return {
    status: 401,
    body: JSON.stringify({ error: 'invalid_token', error_description: description }),
    wwwAuthenticate: `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`,
  };
}

export const MISSING = {
  status: 401,
  body: '{"error":"missing_token"}',
  wwwAuthenticate: `Bearer realm="${REALM}"`,
};

export const INSUFFICIENT = {
  status: 403,
  body: '{"error":"insufficient_scope"}',
  wwwAuthenticate: `Bearer realm="${REALM}", error="insufficient_scope"`,
};

/** The parts of an answer the contract fixes to the byte. */
export function shape(answer: Answer): Pick<Answer, 'status' | 'body' | 'wwwAuthenticate'> {
  return { status: answer.status, body: answer.body, wwwAuthenticate: answer.wwwAuthenticate };
}

/** Re-encodes a token's payload without re-signing it. */
export function tamper(token: string, change: (claims: Record<string, unknown>) => void): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(claims);
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}

export function unsignedToken(claims: Record<string, unknown>): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
}
