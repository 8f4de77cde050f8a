/**
 * Starts the example on Express (the default) or on Fastify (`NEST_PLATFORM=fastify` or
 * `--fastify`). Bodies reach the routes as raw text on both platforms, so the shared service
 * parses them and a malformed one is answered `400 invalid_request`, not with Nest's own error.
 */
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { INVALID_REQUEST, isRoutablePath, MAX_BODY_BYTES, NOT_FOUND, runExampleApp, type ExampleService } from '@jwt/example-support';
import { AppModule } from './app.module.js';
import { ContractExceptionFilter } from './contract.filter.js';

type Platform = 'express' | 'fastify';

// stdout carries only the listening line; Nest's errors still reach stderr.
const logger = ['fatal', 'error'] as const;

async function createExpressApp(service: ExampleService): Promise<NestExpressApplication> {
  // Exact paths, as on Fastify and in the other apps: `/ME` and `/me/` are unknown routes. Express
  // reads these settings when it makes its router, which the adapter's constructor does: they
  // must be on the instance before it is handed over.
  const instance = express();
  instance.set('case sensitive routing', true);
  instance.set('strict routing', true);
  // Paths match as sent on both platforms (Fastify would decode `/%6De` to `/me`): a percent-escape names no route.
  instance.use((req: Request, res: Response, next: NextFunction) => (isRoutablePath(req.url) ? next() : res.status(NOT_FOUND.status).json(NOT_FOUND.body)));
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(service), new ExpressAdapter(instance), {
    logger: [...logger],
    bodyParser: false,
    forceCloseConnections: true,
  });
  app.useBodyParser('text', { type: () => true, limit: MAX_BODY_BYTES });
  app.disable('x-powered-by');
  return app;
}

type FastifyOptions = Extract<NonNullable<ConstructorParameters<typeof FastifyAdapter>[0]>, { frameworkErrors?: unknown }>;
type FrameworkErrors = NonNullable<FastifyOptions['frameworkErrors']>;
interface PlainReply {
  code(status: number): PlainReply;
  send(body: unknown): unknown;
}

async function createFastifyApp(service: ExampleService): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    // Fastify's own answer to a URL it cannot decode (`/%`) quotes the URL back; no route can
    // have such a path, so it gets the contract's 404 like any unknown route.
    frameworkErrors: ((error, _request, reply) => {
      const answer = error.code === 'FST_ERR_BAD_URL' ? NOT_FOUND : INVALID_REQUEST;
      // Fastify types `code()` by the route's declared replies; this hook belongs to no route.
      void (reply as unknown as PlainReply).code(answer.status).send(answer.body);
    }) satisfies FrameworkErrors,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(service), adapter, {
    logger: [...logger],
    bodyParser: false,
    forceCloseConnections: true,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    if (isRoutablePath(request.raw.url ?? '')) done();
    else void reply.code(NOT_FOUND.status).send(NOT_FOUND.body);
  });
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
