/**
 * The example contract on Koa. Every answer comes from the shared service; this file only maps
 * routes to it and reads request bodies, which is all a Koa app protected by `@jwt/koa` has to do.
 */
import Router from '@koa/router';
import { isRoutablePath, MAX_BODY_BYTES, NOT_FOUND, PAYLOAD_TOO_LARGE, INVALID_REQUEST, type ExampleClaims, type ExampleResponse, type ExampleService } from '@jwt/example-support';
import { jwt, requirePermissions, type JwtState } from '@jwt/koa';
import Koa, { type Context } from 'koa';

function send(ctx: Context, response: ExampleResponse): void {
  ctx.status = response.status;
  if (response.headers !== undefined) ctx.set(response.headers);
  if (response.body !== undefined) ctx.body = response.body;
}

/**
 * The raw request body as text, or the answer to give instead: 413 past {@link MAX_BODY_BYTES}
 * (refused while it streams in, before anything is buffered whole), 400 if the client breaks off.
 */
function readBody(ctx: Context): Promise<string | ExampleResponse> {
  if ((ctx.request.length ?? 0) > MAX_BODY_BYTES) return Promise.resolve(PAYLOAD_TOO_LARGE);
  const req = ctx.req;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (value: string | ExampleResponse): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      // Not destroying the request lets Node drain the rest and still deliver the 413.
      if (size > MAX_BODY_BYTES) done(PAYLOAD_TOO_LARGE);
      else chunks.push(chunk);
    };
    const onEnd = (): void => done(Buffer.concat(chunks).toString('utf8'));
    const onError = (): void => done(INVALID_REQUEST);
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
  });
}

/** The raw `Content-Type` header, for the service's media-type check. */
function contentType(ctx: Context): string | undefined {
  return ctx.get('Content-Type') || undefined;
}

/** Reads the body, then hands it to `handle`; oversized or broken bodies never reach the service. */
async function withBody(ctx: Context, handle: (body: string) => Promise<ExampleResponse>): Promise<void> {
  const body = await readBody(ctx);
  send(ctx, typeof body === 'string' ? await handle(body) : body);
}

export function createApp(service: ExampleService): Koa {
  const auth = jwt<ExampleClaims>(service.auth);

  // Exact paths, as in the other apps: `/ME` and `/me/` are unknown routes, not `/me`.
  const router = new Router<JwtState<ExampleClaims>>({ sensitive: true, strict: true });
  router.get('/health', (ctx) => send(ctx, service.health()));
  router.post('/login', (ctx) => withBody(ctx, (body) => service.login(body, contentType(ctx))));
  router.post('/refresh', (ctx) => withBody(ctx, (body) => service.refresh(body, contentType(ctx))));
  router.get('/me', auth, (ctx) => send(ctx, service.me(ctx.state.user)));
  router.get('/admin', auth, requirePermissions('admin'), (ctx) => send(ctx, service.admin()));
  router.post('/logout', auth, async (ctx) => send(ctx, await service.logout(ctx.state.user)));
  router.post('/password', auth, (ctx) => withBody(ctx, (body) => service.changePassword(ctx.state.user, body, contentType(ctx))));
  router.get('/.well-known/jwks.json', (ctx) => send(ctx, service.jwks()));

  const app = new Koa();
  // Paths match as sent, as in the other apps: a percent-escape names no route (see isRoutablePath).
  app.use((ctx, next) => (isRoutablePath(ctx.url) ? next() : send(ctx, NOT_FOUND)));
  app.use(router.routes());
  // Unknown paths and methods answer the same JSON 404 as the other example apps.
  app.use((ctx) => send(ctx, NOT_FOUND));
  return app;
}
