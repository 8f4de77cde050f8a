import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { authErrorResponse, JwtError, rawHeaderValues, reportFailure, requirePermissionsOf, type AuthErrorResponse } from '@jwt/core';
import { PermissionsMetadata, Public, type AuthenticatedRequest, type PermissionRequirement } from './decorators.js';
import { JwtForbiddenException, JwtUnauthorizedException } from './exceptions.js';
import { JWT_AUTH_RUNTIME, type JwtAuthRuntime } from './options.js';

/** An Express request (a Node IncomingMessage) or a Fastify request (the IncomingMessage on `raw`). */
interface HttpRequestLike extends Partial<AuthenticatedRequest> {
  method?: string;
  headers?: Record<string, string | string[] | undefined>;
  rawHeaders?: readonly string[];
  raw?: { rawHeaders?: readonly string[] };
}

function header(request: HttpRequestLike, name: string): string | undefined {
  const value = request.headers?.[name];
  // A proxy-built request might carry a list: joined, it fails the Bearer syntax, which is the safe reading.
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Every `Authorization` value sent. Node keeps only the first of a repeated Authorization header
 * in `headers`, which would let `Bearer <token>` followed by `Basic ...` pass as one valid header;
 * the raw header list keeps them all so the core can refuse the pair.
 */
function authorization(request: HttpRequestLike): string | readonly string[] | undefined {
  const raw = request.rawHeaders ?? request.raw?.rawHeaders;
  return Array.isArray(raw) ? rawHeaderValues(raw, 'authorization') : header(request, 'authorization');
}

/**
 * Authenticates HTTP requests with the module's key and options, puts the verified claims on
 * `request.user`, and enforces `@RequirePermissions()`. Failures are thrown as
 * `JwtUnauthorizedException` (401) or `JwtForbiddenException` (403), with `WWW-Authenticate`
 * already set, so the default exception filter answers with the RFC 6750 body and header.
 * @example @UseGuards(JwtAuthGuard) @Get('me') me(@Claims() claims: JwtClaims) { return claims }
 */
interface RouteRules {
  cls: object;
  requirements: readonly PermissionRequirement[];
  open: boolean;
}

@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly routes = new WeakMap<object, RouteRules>();

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(JWT_AUTH_RUNTIME) private readonly runtime: JwtAuthRuntime,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Only HTTP carries a bearer token here; refusing other transports keeps a global guard closed.
    if (context.getType() !== 'http') return false;
    const { requirements, open } = this.route(context.getClass(), context.getHandler());
    if (open) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequestLike>();
    // The cookie and its cross-site check matter only when a cookie name is configured.
    const outcome = await this.runtime.authenticator.authenticate(
      this.runtime.cookie
        ? {
            authorization: authorization(request),
            cookie: header(request, 'cookie'),
            method: request.method,
            secFetchSite: header(request, 'sec-fetch-site'),
            origin: header(request, 'origin'),
            host: header(request, 'host'),
          }
        : { authorization: authorization(request) },
    );
    if (!outcome.ok) return this.refuse(http.getResponse(), outcome.response, outcome.error);
    if (outcome.result === undefined) {
      // `optional: true` lets anonymous requests through, but never into a route needing permissions.
      if (requirements.length === 0) return true;
      const missing = new JwtError('ERR_JWT_MISSING');
      reportFailure(this.runtime.onFailure, missing);
      return this.refuse(http.getResponse(), this.answer(missing));
    }
    const claims = outcome.result.payload;
    request.user = claims;
    for (const { permissions, mode } of requirements) {
      try {
        requirePermissionsOf(claims, permissions, { claim: this.runtime.permissionsClaim, mode });
      } catch (error) {
        reportFailure(this.runtime.onFailure, error);
        return this.refuse(http.getResponse(), this.answer(error), error instanceof JwtError ? error : undefined);
      }
    }
    return true;
  }

  /**
   * A route's requirements, read from its metadata once: decorators do not change at run time,
   * and four reflector lookups per request were most of the guard's own cost.
   */
  private route(cls: object, handler: object): RouteRules {
    const known = this.routes.get(handler);
    if (known !== undefined && known.cls === cls) return known;
    const requirements = this.reflector.getAll(PermissionsMetadata, [cls as never, handler as never]).filter((r): r is PermissionRequirement => r !== undefined);
    // `@Public()` opens a route only when it requires no permission.
    const open = requirements.length === 0 && this.reflector.getAllAndOverride(Public, [handler as never, cls as never]) === true;
    const rules: RouteRules = { cls, requirements, open };
    this.routes.set(handler, rules);
    return rules;
  }

  private answer(error: unknown): AuthErrorResponse {
    return authErrorResponse(error, this.runtime.realm === undefined ? {} : { realm: this.runtime.realm });
  }

  private refuse(response: unknown, answer: AuthErrorResponse, cause?: JwtError): never {
    // Nest's default filter sends the exception's body and status but no custom header, so the
    // challenge is set here, on whichever platform's response object this is.
    this.adapterHost.httpAdapter.setHeader(response, 'WWW-Authenticate', answer.wwwAuthenticate);
    throw answer.status === 403 ? new JwtForbiddenException(answer, cause) : new JwtUnauthorizedException(answer, cause);
  }
}
