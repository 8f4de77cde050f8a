/**
 * Starts the example on Express (the default) or on Fastify (`NEST_PLATFORM=fastify` or
 * `--fastify`). Bodies reach the routes as raw text on both platforms, so the shared service
 * parses them and a malformed one is answered `400 invalid_request`, not with Nest's own error.
 */
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { MAX_BODY_BYTES, runExampleApp, type ExampleService } from '@jwt/example-support';
import { AppModule } from './app.module.js';
import { ContractExceptionFilter } from './contract.filter.js';

type Platform = 'express' | 'fastify';

// stdout carries only the listening line; Nest's errors still reach stderr.
const logger = ['fatal', 'error'] as const;

async function createExpressApp(service: ExampleService): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(service), new ExpressAdapter(), {
    logger: [...logger],
    bodyParser: false,
    forceCloseConnections: true,
  });
  app.useBodyParser('text', { type: () => true, limit: MAX_BODY_BYTES });
  app.disable('x-powered-by');
  return app;
}

async function createFastifyApp(service: ExampleService): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(service), new FastifyAdapter({ bodyLimit: MAX_BODY_BYTES }), {
    logger: [...logger],
    bodyParser: false,
    forceCloseConnections: true,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  return app;
}

function platformOf(env: NodeJS.ProcessEnv, argv: readonly string[]): Platform | undefined {
  if (argv.includes('--fastify')) return 'fastify';
  const value = env['NEST_PLATFORM'] ?? 'express';
  return value === 'express' || value === 'fastify' ? value : undefined;
}

const platform = platformOf(process.env, process.argv.slice(2));
if (platform === undefined) {
  process.stderr.write('error: NEST_PLATFORM must be express or fastify\n');
  process.exitCode = 1;
} else {
  await runExampleApp({
    defaultPort: 3002,
    async start(service) {
      const app = platform === 'express' ? await createExpressApp(service) : await createFastifyApp(service);
      app.useGlobalFilters(new ContractExceptionFilter(app.getHttpAdapter()));
      // Signals are handled by runExampleApp, which closes the app and exits 0; Nest's own
      // shutdown hooks would re-raise the signal and end the process with it instead.
      await app.listen(service.config.port, service.config.host);
      return { port: (app.getHttpServer().address() as AddressInfo).port, close: () => app.close() };
    },
  });
}
