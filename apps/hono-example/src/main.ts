import { getRequestListener, RequestError } from '@hono/node-server';
import { NOT_FOUND, runExampleApp } from '@jwt/example-support';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';

/**
 * A request the adapter cannot turn into a Fetch `Request` (the target `*` of `OPTIONS *`) names
 * no route: the contract's 404, where the adapter would answer a bare 400. Anything else thrown
 * outside Hono (which answers its own errors) stays a bodiless 500.
 */
function unreadable(error: unknown): Response {
  if (error instanceof RequestError) return Response.json(NOT_FOUND.body, { status: NOT_FOUND.status });
  return new Response(null, { status: 500 });
}

await runExampleApp({
  defaultPort: 3000,
  start: (service) =>
    new Promise((resolve, reject) => {
      const { host, port } = service.config;
      const server: Server = createServer(getRequestListener(createApp(service).fetch, { hostname: host, errorHandler: unreadable }));
      server.once('error', reject);
      server.listen(port, host, () => {
        resolve({
          port: (server.address() as AddressInfo).port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              // Keep-alive connections would otherwise hold the server open until they time out.
              server.closeAllConnections();
            }),
        });
      });
    }),
});
