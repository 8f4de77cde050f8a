import { runExampleApp } from '@jwt/example-support';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';

await runExampleApp({
  defaultPort: 3001,
  start: (service) =>
    new Promise((resolve, reject) => {
      const { host, port } = service.config;
      const server = createApp(service).listen(port, host, () => {
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
      server.once('error', reject);
    }),
});
