/**
 * The guard reads a route's rules (@Public, permissions) once and keeps them per handler. A handler
 * inherited by two controllers is one function with two sets of rules: each controller must keep its own.
 */
import { Controller, Get } from '@nestjs/common';
import { generateSecret, sign, type JwtClaims } from '@jwt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JwtAuthModule, Public, RequirePermissions } from '../src/index.js';
import { bearer, call, INSUFFICIENT, MISSING, PLATFORMS, REALM, shape, startApp, type RunningApp } from './harness.js';

class BaseController {
  @Get('report')
  report() {
    return { report: true };
  }
}

@RequirePermissions('admin')
@Controller('admin')
class AdminReports extends BaseController {}

@Public()
@Controller('public')
class PublicReports extends BaseController {}

@Controller('member')
class MemberReports extends BaseController {}

describe.each(PLATFORMS)('route rules kept per controller on %s', (platform) => {
  const key = generateSecret();
  let server: RunningApp;
  const mint = (claims: JwtClaims) => sign(claims, key, { expiresIn: 60 });

  beforeAll(async () => {
    server = await startApp(platform, {
      imports: [JwtAuthModule.forRoot({ issuer: false, audience: false, key, realm: REALM, globalGuard: true })],
      controllers: [AdminReports, PublicReports, MemberReports],
    });
  });
  afterAll(() => server.close());

  it('one inherited handler keeps each controller\'s rules, in any order of requests', async () => {
    const viewer = bearer(await mint({ sub: 'k', permissions: ['view'] }));
    const admin = bearer(await mint({ sub: 'a', permissions: ['admin'] }));
    for (let round = 0; round < 2; round++) {
      expect((await call(server.url, '/public/report')).status).toBe(200);
      expect(shape(await call(server.url, '/admin/report', viewer))).toEqual(INSUFFICIENT);
      expect(shape(await call(server.url, '/member/report'))).toEqual(MISSING);
      expect((await call(server.url, '/member/report', viewer)).status).toBe(200);
      expect((await call(server.url, '/admin/report', admin)).status).toBe(200);
      expect((await call(server.url, '/public/report')).status).toBe(200);
    }
  });
});
