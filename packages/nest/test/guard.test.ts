import { Catch, Controller, ForbiddenException, Get, HttpCode, HttpException, ParseIntPipe, Post, UnauthorizedException, UseGuards, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { generateKeyPair, generateSecret, MemoryRevocationStore, sign, type JwtClaims, type JwtKey } from '@jwt/core';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Claims,
  isJwtAuthException,
  JwtAuthGuard,
  JwtAuthModule,
  JwtForbiddenException,
  JwtUnauthorizedException,
  Public,
  RequireAnyPermission,
  RequirePermissions,
} from '../src/index.js';
import { bearer, call, INSUFFICIENT, invalidToken, MISSING, nodeCall, PLATFORMS, REALM, shape, startApp, tamper, unsignedToken, type RunningApp } from './harness.js';

interface AppClaims extends JwtClaims {
  sub: string;
  permissions: string[];
}

@Controller()
class RoutesController {
  @Get('open')
  open() {
    return { open: true };
  }

  @UseGuards(JwtAuthGuard)
  @Get('me')
  me(@Claims() claims: AppClaims) {
    return claims;
  }

  @UseGuards(JwtAuthGuard)
  @Post('me')
  @HttpCode(200)
  postMe(@Claims<AppClaims>('sub') sub: string) {
    return { sub };
  }

  @UseGuards(JwtAuthGuard)
  @Get('sub')
  sub(@Claims<AppClaims>('sub') sub: string, @Claims<AppClaims>('permissions') permissions: string[]) {
    return { sub, permissions };
  }

  @UseGuards(JwtAuthGuard)
  @Get('level')
  level(@Claims<AppClaims>('level', ParseIntPipe) level: number) {
    return { level, type: typeof level };
  }

  @UseGuards(JwtAuthGuard)
  @RequirePermissions('admin')
  @Get('admin')
  admin() {
    return { ok: true };
  }

  @UseGuards(JwtAuthGuard)
  @RequirePermissions('view', 'comment')
  @Get('both')
  both() {
    return { ok: true };
  }

  @UseGuards(JwtAuthGuard)
  @RequireAnyPermission('admin', 'comment')
  @Get('any')
  any() {
    return { ok: true };
  }
}

@Controller('reports')
@UseGuards(JwtAuthGuard)
@RequirePermissions('view')
class ReportsController {
  @Get()
  list() {
    return { reports: [] };
  }

  // The controller's requirement still applies: this needs `view` and `admin`.
  @RequirePermissions('admin')
  @Get('secret')
  secret() {
    return { secret: true };
  }
}

const ISSUER = 'test-issuer';
const AUDIENCE = 'test-api';

describe.each(PLATFORMS)('JwtAuthGuard per route on %s', (platform) => {
  let key: JwtKey;
  let otherKey: JwtKey;
  let server: RunningApp;
  const revocation = new MemoryRevocationStore();
  const mint = (claims: JwtClaims, options: { key?: JwtKey; expiresIn?: number; issuer?: string; audience?: string } = {}) =>
    sign(claims, options.key ?? key, { expiresIn: options.expiresIn ?? 60, issuer: options.issuer ?? ISSUER, audience: options.audience ?? AUDIENCE, jwtId: true });

  beforeAll(async () => {
    key = generateSecret();
    otherKey = generateSecret();
    server = await startApp(platform, {
      imports: [JwtAuthModule.forRoot({ key, issuer: ISSUER, audience: AUDIENCE, realm: REALM, cookie: 'access_token', revocation })],
      controllers: [RoutesController, ReportsController],
    });
  });
  afterAll(() => server.close());

  it('leaves unguarded routes alone', async () => {
    const res = await call(server.url, '/open');
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"open":true}');
  });

  it('answers a valid token with the verified claims from @Claims()', async () => {
    const token = await mint({ sub: 'kevin', permissions: ['view'] });
    const res = await call(server.url, '/me', bearer(token));
    expect(res.status).toBe(200);
    expect(res.wwwAuthenticate).toBeNull();
    const claims = JSON.parse(res.body) as AppClaims;
    expect(claims).toMatchObject({ sub: 'kevin', permissions: ['view'], iss: ISSUER, aud: AUDIENCE });
    expect(typeof claims.jti).toBe('string');
  });

  it('accepts a token made by an independent implementation (jose)', async () => {
    const secret = new TextEncoder().encode('an independent secret of at least 32 bytes!');
    const local = await startApp(platform, {
      imports: [JwtAuthModule.forRoot({ key: 'an independent secret of at least 32 bytes!', issuer: ISSUER, audience: AUDIENCE, realm: REALM })],
      controllers: [RoutesController],
    });
    try {
      const token = await new SignJWT({ permissions: ['view'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('jose-user').setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('1m').sign(secret);
      const ok = await call(local.url, '/sub', bearer(token));
      expect(ok.status).toBe(200);
      expect(ok.body).toBe('{"sub":"jose-user","permissions":["view"]}');
      const wrong = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('jose-user').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('1m').sign(new TextEncoder().encode('another secret that is 32 bytes long!!'));
      expect(shape(await call(local.url, '/sub', bearer(wrong)))).toEqual(invalidToken('signature invalid'));
    } finally {
      await local.close();
    }
  });

  it('injects one claim by name', async () => {
    const token = await mint({ sub: 'admin', permissions: ['admin', 'view'] });
    const res = await call(server.url, '/sub', bearer(token));
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"sub":"admin","permissions":["admin","view"]}');
  });

  it('runs pipes on a claim', async () => {
    const ok = await call(server.url, '/level', bearer(await mint({ sub: 'k', level: '42' })));
    expect(ok.body).toBe('{"level":42,"type":"number"}');
    const bad = await call(server.url, '/level', bearer(await mint({ sub: 'k', level: 'high' })));
    expect(bad.status).toBe(400);
  });

  it('answers a missing token with 401 missing_token and a bare challenge', async () => {
    const res = await call(server.url, '/me');
    expect(shape(res)).toEqual(MISSING);
    expect(res.contentType).toMatch(/^application\/json/);
  });

  it('reads the token from the configured cookie when there is no Authorization header', async () => {
    const token = await mint({ sub: 'kevin', permissions: [] });
    const ok = await call(server.url, '/sub', { headers: { cookie: `theme=dark; access_token=${token}` } });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ sub: 'kevin', permissions: [] });
    expect(shape(await call(server.url, '/sub', { headers: { cookie: `session=${token}` } }))).toEqual(MISSING);
  });

  it.each([
    ['another scheme', 'Basic a2V2aW46cGFzc3dvcmQ='],
    ['two tokens', 'Bearer abc def'],
    ['an empty bearer', 'Bearer '],
    ['garbage', '\u00ff\u00fe'],
  ])('refuses %s in Authorization with 401 invalid_token', async (_name, authorization) => {
    expect(shape(await call(server.url, '/me', { headers: { authorization } }))).toEqual(invalidToken('authorization header invalid'));
  });

  it('refuses a repeated Authorization header, even when the first one is a valid Bearer token', async () => {
    const token = await mint({ sub: 'kevin' });
    expect(shape(await nodeCall(server.url, '/me', 'GET', { authorization: [`Bearer ${token}`, 'Basic a2V2aW46cHc='] }))).toEqual(invalidToken('authorization header invalid'));
    expect(shape(await nodeCall(server.url, '/me', 'GET', { authorization: [`Bearer ${token}`, `Bearer ${token}`] }))).toEqual(invalidToken('authorization header invalid'));
    expect((await nodeCall(server.url, '/me', 'GET', { authorization: [`Bearer ${token}`] })).status).toBe(200);
  });

  it('refuses an empty Authorization header instead of falling back to the cookie', async () => {
    const cookie = `access_token=${await mint({ sub: 'kevin' })}`;
    expect(shape(await nodeCall(server.url, '/me', 'GET', { authorization: '', cookie }))).toEqual(invalidToken('authorization header invalid'));
    expect((await nodeCall(server.url, '/me', 'GET', { cookie })).status).toBe(200);
  });

  it('refuses a cookie token on a cross-site or same-site POST; same-origin, GET and header tokens pass', async () => {
    const token = await mint({ sub: 'kevin' });
    const cookie = `access_token=${token}`;
    expect(shape(await nodeCall(server.url, '/me', 'POST', { cookie, 'sec-fetch-site': 'cross-site' }))).toEqual(invalidToken('cross-site request refused'));
    expect(shape(await nodeCall(server.url, '/me', 'POST', { cookie, 'sec-fetch-site': 'same-site' }))).toEqual(invalidToken('cross-site request refused'));
    const sameOrigin = await nodeCall(server.url, '/me', 'POST', { cookie, 'sec-fetch-site': 'same-origin' });
    expect({ status: sameOrigin.status, body: sameOrigin.body }).toEqual({ status: 200, body: '{"sub":"kevin"}' });
    // Without Sec-Fetch-Site the Origin must name the Host (which Node's client sets); no Origin is refused.
    expect((await nodeCall(server.url, '/me', 'POST', { cookie, origin: server.url })).status).toBe(200);
    expect(shape(await nodeCall(server.url, '/me', 'POST', { cookie, origin: 'https://evil.example' }))).toEqual(invalidToken('cross-site request refused'));
    expect(shape(await nodeCall(server.url, '/me', 'POST', { cookie, origin: 'null' }))).toEqual(invalidToken('cross-site request refused'));
    expect(shape(await nodeCall(server.url, '/me', 'POST', { cookie }))).toEqual(invalidToken('cross-site request refused'));
    expect((await nodeCall(server.url, '/me', 'GET', { cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(200);
    expect((await nodeCall(server.url, '/me', 'POST', { authorization: `Bearer ${token}`, 'sec-fetch-site': 'cross-site' })).status).toBe(200);
  });

  it('refuses a token signed with another key', async () => {
    const token = await mint({ sub: 'kevin' }, { key: otherKey });
    expect(shape(await call(server.url, '/me', bearer(token)))).toEqual(invalidToken('signature invalid'));
  });

  it('refuses alg none and another algorithm family', async () => {
    const none = unsignedToken({ sub: 'kevin', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 });
    expect(shape(await call(server.url, '/me', bearer(none)))).toEqual(invalidToken('algorithm not allowed'));
    const { privateKey } = await generateKeyPair('ES256');
    const es = await mint({ sub: 'kevin' }, { key: privateKey });
    expect(shape(await call(server.url, '/me', bearer(es)))).toEqual(invalidToken('algorithm not allowed'));
  });

  it('refuses an expired token, a tampered payload, a wrong issuer and a wrong audience', async () => {
    const expired = await mint({ sub: 'kevin', exp: Math.floor(Date.now() / 1000) - 3600 });
    expect(shape(await call(server.url, '/me', bearer(expired)))).toEqual(invalidToken('token expired'));
    const valid = await mint({ sub: 'kevin', permissions: ['view'] });
    const tampered = tamper(valid, (c) => {
      c.permissions = ['admin'];
    });
    expect(shape(await call(server.url, '/admin', bearer(tampered)))).toEqual(invalidToken('signature invalid'));
    expect(shape(await call(server.url, '/me', bearer(await mint({ sub: 'kevin' }, { issuer: 'someone-else' }))))).toEqual(invalidToken('issuer invalid'));
    expect(shape(await call(server.url, '/me', bearer(await mint({ sub: 'kevin' }, { audience: 'other-api' }))))).toEqual(invalidToken('audience invalid'));
  });

  it('refuses malformed and oversized tokens with 4xx, never 500', async () => {
    expect(shape(await call(server.url, '/me', bearer('a.b.c')))).toEqual(invalidToken('token malformed'));
    expect(shape(await call(server.url, '/me', bearer('x'.repeat(9000))))).toEqual(invalidToken('token too large'));
    expect(shape(await call(server.url, '/me', { headers: { cookie: 'access_token=%E0%A4%A' } }))).toEqual(invalidToken('token malformed'));
  });

  it('refuses a revoked token, and only that one', async () => {
    const token = await mint({ sub: 'kevin', permissions: ['view'] });
    const other = await mint({ sub: 'kevin', permissions: ['view'] });
    expect((await call(server.url, '/me', bearer(token))).status).toBe(200);
    revocation.revokeToken(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as JwtClaims);
    expect(shape(await call(server.url, '/me', bearer(token)))).toEqual(invalidToken('token revoked'));
    expect((await call(server.url, '/me', bearer(other))).status).toBe(200);
  });

  it('lets a token with the permission into @RequirePermissions routes', async () => {
    const token = await mint({ sub: 'admin', permissions: ['admin', 'view'] });
    const res = await call(server.url, '/admin', bearer(token));
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"ok":true}');
  });

  it('answers a valid token without the permission with 403 insufficient_scope', async () => {
    const token = await mint({ sub: 'kevin', permissions: ['view', 'comment'] });
    expect(shape(await call(server.url, '/admin', bearer(token)))).toEqual(INSUFFICIENT);
    const noClaim = await mint({ sub: 'kevin' });
    expect(shape(await call(server.url, '/admin', bearer(noClaim)))).toEqual(INSUFFICIENT);
    const notArray = await mint({ sub: 'kevin', permissions: { admin: true } });
    expect(shape(await call(server.url, '/admin', bearer(notArray)))).toEqual(INSUFFICIENT);
  });

  it('authenticates before checking permissions: no token on a permission route is 401', async () => {
    expect(shape(await call(server.url, '/admin'))).toEqual(MISSING);
  });

  it('needs every permission of @RequirePermissions and one of @RequireAnyPermission', async () => {
    const viewer = await mint({ sub: 'v', permissions: ['view'] });
    const commenter = await mint({ sub: 'c', permissions: ['view', 'comment'] });
    expect(shape(await call(server.url, '/both', bearer(viewer)))).toEqual(INSUFFICIENT);
    expect((await call(server.url, '/both', bearer(commenter))).status).toBe(200);
    expect(shape(await call(server.url, '/any', bearer(viewer)))).toEqual(INSUFFICIENT);
    expect((await call(server.url, '/any', bearer(commenter))).status).toBe(200);
  });

  it('applies a controller requirement and a route requirement together', async () => {
    const viewer = await mint({ sub: 'v', permissions: ['view'] });
    const adminOnly = await mint({ sub: 'a', permissions: ['admin'] });
    const both = await mint({ sub: 'b', permissions: ['admin', 'view'] });
    expect((await call(server.url, '/reports', bearer(viewer))).status).toBe(200);
    expect(shape(await call(server.url, '/reports', bearer(adminOnly)))).toEqual(INSUFFICIENT);
    expect(shape(await call(server.url, '/reports/secret', bearer(viewer)))).toEqual(INSUFFICIENT);
    expect(shape(await call(server.url, '/reports/secret', bearer(adminOnly)))).toEqual(INSUFFICIENT);
    expect((await call(server.url, '/reports/secret', bearer(both))).body).toBe('{"secret":true}');
  });
});

@Controller()
class GlobalController {
  @Public()
  @Get('health')
  health(@Claims() claims: JwtClaims | undefined) {
    return { status: 'ok', authenticated: claims !== undefined };
  }

  @Get('me')
  me(@Claims<AppClaims>('sub') sub: string) {
    return { sub };
  }

  // Opening a route that requires a permission would be a hole: the requirement wins.
  @Public()
  @RequirePermissions('admin')
  @Get('confused')
  confused() {
    return { ok: true };
  }
}

@Public()
@Controller('docs')
class DocsController {
  @Get()
  docs() {
    return { docs: true };
  }
}

describe.each(PLATFORMS)('JwtAuthGuard as a global guard on %s', (platform) => {
  const key = generateSecret();
  let server: RunningApp;
  const mint = (claims: JwtClaims) => sign(claims, key, { expiresIn: 60 });

  beforeAll(async () => {
    server = await startApp(platform, {
      imports: [JwtAuthModule.forRoot({ issuer: false, audience: false, key, realm: REALM, globalGuard: true })],
      controllers: [GlobalController, DocsController],
    });
  });
  afterAll(() => server.close());

  it('protects routes without any decorator', async () => {
    expect(shape(await call(server.url, '/me'))).toEqual(MISSING);
    const res = await call(server.url, '/me', bearer(await mint({ sub: 'kevin' })));
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"sub":"kevin"}');
  });

  it('opens @Public() routes and controllers, without reading the token', async () => {
    expect((await call(server.url, '/health')).body).toBe('{"status":"ok","authenticated":false}');
    expect((await call(server.url, '/health', bearer('not-a-token'))).status).toBe(200);
    expect((await call(server.url, '/docs')).body).toBe('{"docs":true}');
  });

  it('keeps a @Public() route that requires a permission protected', async () => {
    expect(shape(await call(server.url, '/confused'))).toEqual(MISSING);
    expect(shape(await call(server.url, '/confused', bearer(await mint({ sub: 'k', permissions: ['view'] }))))).toEqual(INSUFFICIENT);
    expect((await call(server.url, '/confused', bearer(await mint({ sub: 'a', permissions: ['admin'] })))).status).toBe(200);
  });
});

@Catch(HttpException)
class RecordingFilter implements ExceptionFilter {
  readonly seen: HttpException[] = [];

  catch(exception: HttpException, host: ArgumentsHost) {
    this.seen.push(exception);
    const response = host.switchToHttp().getResponse<{ status?: (n: number) => { json: (b: unknown) => void }; code?: (n: number) => { send: (b: unknown) => void } }>();
    const body = { filtered: isJwtAuthException(exception) ? exception.code : 'other' };
    if (typeof response.code === 'function') response.code(exception.getStatus()).send(body);
    else response.status!(exception.getStatus()).json(body);
  }
}

describe.each(PLATFORMS)("users' exception filters on %s", (platform) => {
  const key = generateSecret();
  const filter = new RecordingFilter();
  let server: RunningApp;

  beforeAll(async () => {
    server = await startApp(platform, { imports: [JwtAuthModule.forRoot({ issuer: false, audience: false, key, realm: REALM })], controllers: [RoutesController] }, (app) => app.useGlobalFilters(filter));
  });
  afterAll(() => server.close());

  it('see a 401 as an UnauthorizedException carrying the code and the challenge', async () => {
    const expired = await sign({ sub: 'k', exp: Math.floor(Date.now() / 1000) - 3600 }, key);
    const res = await call(server.url, '/me', bearer(expired));
    expect(res.status).toBe(401);
    expect(res.body).toBe('{"filtered":"ERR_JWT_EXPIRED"}');
    const seen = filter.seen.at(-1);
    expect(seen).toBeInstanceOf(UnauthorizedException);
    expect(seen).toBeInstanceOf(JwtUnauthorizedException);
    expect((seen as JwtUnauthorizedException).wwwAuthenticate).toBe(invalidToken('token expired').wwwAuthenticate);
    expect((seen as JwtUnauthorizedException).getResponse()).toEqual({ error: 'invalid_token', error_description: 'token expired' });
    // The guard set the challenge before throwing, so it survives a filter that only writes the body.
    expect(res.wwwAuthenticate).toBe(invalidToken('token expired').wwwAuthenticate);
  });

  it('see a 403 as a ForbiddenException, not as a 401', async () => {
    const token = await sign({ sub: 'k', permissions: ['view'] }, key, { expiresIn: 60 });
    const res = await call(server.url, '/admin', bearer(token));
    expect(res.status).toBe(403);
    expect(res.body).toBe('{"filtered":"ERR_INSUFFICIENT_SCOPE"}');
    const seen = filter.seen.at(-1);
    expect(seen).toBeInstanceOf(ForbiddenException);
    expect(seen).toBeInstanceOf(JwtForbiddenException);
    expect(seen).not.toBeInstanceOf(UnauthorizedException);
  });
});

@Controller()
class OptionalController {
  @UseGuards(JwtAuthGuard)
  @Get('maybe')
  maybe(@Claims('sub') sub: string | undefined) {
    return { sub: sub ?? null };
  }

  @UseGuards(JwtAuthGuard)
  @RequirePermissions('read')
  @Get('scoped')
  scoped() {
    return { ok: true };
  }
}

describe.each(PLATFORMS)('module options on %s', (platform) => {
  let server: RunningApp;
  let key: JwtKey;

  beforeAll(async () => {
    key = generateSecret();
    server = await startApp(platform, {
      imports: [JwtAuthModule.forRoot({ issuer: false, audience: false, key, realm: REALM, optional: true, permissionsClaim: 'scope' })],
      controllers: [OptionalController],
    });
  });
  afterAll(() => server.close());

  it('optional: lets an anonymous request through, and still refuses a bad token', async () => {
    expect((await call(server.url, '/maybe')).body).toBe('{"sub":null}');
    expect((await call(server.url, '/maybe', bearer(await sign({ sub: 'kevin' }, key, { expiresIn: 60 })))).body).toBe('{"sub":"kevin"}');
    expect(shape(await call(server.url, '/maybe', bearer(await sign({ sub: 'kevin' }, generateSecret(), { expiresIn: 60 }))))).toEqual(invalidToken('signature invalid'));
  });

  it('optional: an anonymous request never reaches a route that needs permissions', async () => {
    expect(shape(await call(server.url, '/scoped'))).toEqual(MISSING);
  });

  it('permissionsClaim: reads permissions from a space-separated scope claim', async () => {
    expect((await call(server.url, '/scoped', bearer(await sign({ sub: 'k', scope: 'write read' }, key, { expiresIn: 60 })))).status).toBe(200);
    expect(shape(await call(server.url, '/scoped', bearer(await sign({ sub: 'k', scope: 'write', permissions: ['read'] }, key, { expiresIn: 60 }))))).toEqual(INSUFFICIENT);
  });

  it('the default realm is "api"', async () => {
    const other = await startApp(platform, { imports: [JwtAuthModule.forRoot({ issuer: false, audience: false, key })], controllers: [RoutesController] });
    try {
      expect((await call(other.url, '/me')).wwwAuthenticate).toBe('Bearer realm="api"');
    } finally {
      await other.close();
    }
  });
});

describe('decorators', () => {
  it('refuse an empty permission list when the class is defined', () => {
    const empty = RequirePermissions as (...p: string[]) => MethodDecorator;
    expect(() => empty()).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => RequirePermissions('')).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => RequireAnyPermission('ok', 42 as unknown as string)).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => RequirePermissions('admin')).not.toThrow();
  });
});
