import { serve } from '@hono/node-server';
import { runExampleApp } from '@jwt/example-support';
import type { Server } from 'node:http';
import { createApp } from './app.js';

await runExampleApp({
  defaultPort: 3000,
  start: (service) =>
    new Promise((resolve, reject) => {
      const { host, port } = service.config;
      const server = serve({ fetch: createApp(service).fetch, hostname: host, port }, (info) => {
        resolve({
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              // Keep-alive connections would otherwise hold the server open until they time out.
              (server as Server).closeAllConnections();
            }),
        });
      });
      server.once('error', reject);
    }),
});
