import { errorDescription, type AuthErrorResponse, type JwtError, type JwtErrorCode } from '@jwt/core';
import type { Context } from 'koa';

/**
 * An authentication or permission failure, shaped like the `http-errors` objects Koa's `ctx.throw`
 * makes (`status`, `expose`, `headers`), so any error middleware written for Koa understands it.
 * Thrown only with `throwErrors: true`; otherwise the middleware answers by itself.
 * @example
 * app.use(async (ctx, next) => {
 *   try { await next() } catch (err) {
 *     if (!(err instanceof JwtHttpError)) throw err
 *     ctx.status = err.status; ctx.set(err.headers); ctx.body = err.body
 *   }
 * })
 */
export class JwtHttpError extends Error {
  override readonly name = 'JwtHttpError';
  /** 401, or 403 for a missing permission. */
  readonly status: 401 | 403;
  /** Always true: the message is a fixed text that is safe to show. */
  readonly expose = true;
  /** `WWW-Authenticate` per RFC 6750; Koa's default error handler copies it onto the answer. */
  readonly headers: { 'WWW-Authenticate': string };
  /** The JSON body the middleware would have answered with. */
  readonly body: AuthErrorResponse['body'];
  /** The `@jwt/core` error code behind the failure. */
  readonly code: JwtErrorCode;

  constructor(response: AuthErrorResponse, cause: JwtError) {
    super(errorDescription(response.code), { cause });
    this.status = response.status;
    this.headers = { 'WWW-Authenticate': response.wwwAuthenticate };
    this.body = response.body;
    this.code = response.code;
  }
}

/** How a failure leaves the middleware: answered here, or thrown to the error middleware above. */
export function reject(ctx: Context, response: AuthErrorResponse, error: JwtError, throwErrors: boolean): void {
  if (throwErrors) throw new JwtHttpError(response, error);
  // Koa's own error handler forces text/plain and drops the body, so the RFC 6750 JSON answer is
  // written directly; the request simply does not go further down the chain.
  ctx.status = response.status;
  ctx.set('WWW-Authenticate', response.wwwAuthenticate);
  ctx.body = response.body;
}
