/**
 * The example contract on Hono. Every answer comes from the shared service; this file only maps
 * routes to it, which is all a Hono app protected by `@jwt/hono` has to do.
 */
import { jwt, requirePermissions } from '@jwt/hono';
import { isRoutablePath, MAX_BODY_BYTES, NOT_FOUND, PAYLOAD_TOO_LARGE, type ExampleResponse, type ExampleService } from '@jwt/example-support';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode, StatusCode } from 'hono/utils/http-status';

function send(c: Context, response: ExampleResponse): Response {
  const headers = response.headers ?? {};
  if (response.body === undefined) return c.body(null, response.status as StatusCode, headers);
  return c.json(response.body, response.status as ContentfulStatusCode, headers);
}

export function createApp(service: ExampleService): Hono {
  const auth = jwt(service.auth);
  // Refuses oversized bodies while they stream in, before anything is buffered or parsed.
  const limit = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => send(c, PAYLOAD_TOO_LARGE) });

  // Hono matches paths exactly (case-sensitive, `strict`: no trailing-slash variant) by default;
  // said here because the contract depends on it.
  const app = new Hono({ strict: true });
  // Hono would decode `/%6De` to `/me`; the contract matches paths as sent (see isRoutablePath).
  app.use((c, next) => (isRoutablePath(c.req.url) ? next() : Promise.resolve(send(c, NOT_FOUND))));
  app.get('/health', (c) => send(c, service.health()));
  app.post('/login', limit, async (c) => send(c, await service.login(await c.req.text(), c.req.header('Content-Type'))));
  app.post('/refresh', limit, async (c) => send(c, await service.refresh(await c.req.text(), c.req.header('Content-Type'))));
  app.get('/me', auth, (c) => send(c, service.me(c.var.jwt)));
  app.get('/admin', auth, requirePermissions('admin'), (c) => send(c, service.admin()));
  app.post('/logout', auth, async (c) => send(c, await service.logout(c.var.jwt)));
  app.post('/password', auth, limit, async (c) => send(c, await service.changePassword(c.var.jwt, await c.req.text(), c.req.header('Content-Type'))));
  app.get('/.well-known/jwks.json', (c) => send(c, service.jwks()));
  app.notFound((c) => send(c, NOT_FOUND));
  return app;
}
