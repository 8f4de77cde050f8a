/**
 * The example contract's routes. Every answer comes from the shared service; this file maps routes
 * to it and shows the adapter's decorators: the module's global guard protects every route,
 * `@Public()` opens some, `@RequirePermissions()` narrows one, and `@Claims()` reads the token.
 */
import { Body, Controller, Get, Headers, Inject, Post, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ExampleClaims, ExampleResponse, ExampleService } from '@jwt/example-support';
import { Claims, Public, RequirePermissions } from '@jwt/nest';

export const EXAMPLE_SERVICE = Symbol('EXAMPLE_SERVICE');

/** The body as the platform's text parser left it (see main.ts): a string, or nothing at all. */
function text(body: unknown): string {
  if (typeof body === 'string') return body;
  return Buffer.isBuffer(body) ? body.toString('utf8') : '';
}

@Controller()
export class AppController {
  constructor(
    @Inject(EXAMPLE_SERVICE) private readonly service: ExampleService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  // Answers are written through the platform adapter, so one controller serves Express and Fastify
  // with the service's status codes and headers unchanged.
  private send(res: unknown, answer: ExampleResponse): void {
    const adapter = this.adapterHost.httpAdapter;
    for (const [name, value] of Object.entries(answer.headers ?? {})) adapter.setHeader(res, name, value);
    adapter.reply(res, answer.body, answer.status);
  }

  @Public()
  @Get('health')
  health(@Res() res: unknown): void {
    this.send(res, this.service.health());
  }

  @Public()
  @Post('login')
  async login(@Body() body: unknown, @Headers('content-type') contentType: string | undefined, @Res() res: unknown): Promise<void> {
    this.send(res, await this.service.login(text(body), contentType));
  }

  @Public()
  @Post('refresh')
  async refresh(@Body() body: unknown, @Headers('content-type') contentType: string | undefined, @Res() res: unknown): Promise<void> {
    this.send(res, await this.service.refresh(text(body), contentType));
  }

  @Get('me')
  me(@Claims() claims: ExampleClaims, @Res() res: unknown): void {
    this.send(res, this.service.me(claims));
  }

  @RequirePermissions('admin')
  @Get('admin')
  admin(@Res() res: unknown): void {
    this.send(res, this.service.admin());
  }

  @Post('logout')
  async logout(@Claims() claims: ExampleClaims, @Res() res: unknown): Promise<void> {
    this.send(res, await this.service.logout(claims));
  }

  @Post('password')
  async password(@Claims() claims: ExampleClaims, @Body() body: unknown, @Headers('content-type') contentType: string | undefined, @Res() res: unknown): Promise<void> {
    this.send(res, await this.service.changePassword(claims, text(body), contentType));
  }

  @Public()
  @Get('.well-known/jwks.json')
  jwks(@Res() res: unknown): void {
    this.send(res, this.service.jwks());
  }
}
