/**
 * The key server the suite's `jwks` group fetches from, on 127.0.0.1 and a port the system picks.
 * It publishes the public half of the core's EC P-256 fixture under the kid `edge-ec`, an OpenID
 * discovery document naming it, and the failures the suite expects codes for.
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const EC_PEM = readFileSync(new URL('../../../core/test/fixtures/ec-p256.key.pem', import.meta.url), 'utf8');

export interface JwksServer {
  /** `http://127.0.0.1:PORT` */
  base: string;
  port: number;
  /** How many requests it answered, per path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startJwksServer(): Promise<JwksServer> {
  const publicJwk = { ...(createPublicKey(EC_PEM).export({ format: 'jwk' }) as object), kid: 'edge-ec', alg: 'ES256', use: 'sig' };
  const hits = new Map<string, number>();
  let base = '';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(JSON.stringify(body));
    };
    if (path === '/jwks.json') return json(200, { keys: [publicJwk] });
    if (path === '/.well-known/openid-configuration') return json(200, { issuer: base, jwks_uri: `${base}/jwks.json` });
    if (path === '/not-json') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not a key set</html>');
    const status = /^\/status\/(\d{3})$/.exec(path);
    if (status) return json(Number(status[1]), { error: 'as asked' });
    json(404, { error: 'not_found' });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    base,
    port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
