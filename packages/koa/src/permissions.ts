import { assertOptions, authErrorResponse, isJwtError, JwtError, reportFailure, requirePermissionsOf, type JwtClaims, type PermissionOptions } from '@jwt/core';
import type { Middleware } from 'koa';
import { reject } from './errors.js';
import { requestSettings } from './jwt.js';

export interface RequirePermissionsOptions extends PermissionOptions {
  /**
   * The `ctx.state` property holding the claims.
   * @default the `stateKey` of the `jwt()` that ran on this request, else 'user'
   */
  stateKey?: string;
  /**
   * The `realm` of the `WWW-Authenticate` challenge.
   * @default the `realm` of the `jwt()` that ran on this request, else 'api'
   */
  realm?: string;
  /**
   * Throw a `JwtHttpError` instead of answering 403 here.
   * @default the `throwErrors` of the `jwt()` that ran on this request, else false
   */
  throwErrors?: boolean;
}

/**
 * Koa middleware that lets the request through only when the verified claims grant the
 * permissions; otherwise 403 `insufficient_scope`. Without claims (no `jwt()` before it, or a
 * `passthrough` request without a valid token) it answers 401 `missing_token`.
 * @example router.get('/admin', jwt(options), requirePermissions('admin'), handler)
 * @example requirePermissions(['read', 'write'], { mode: 'any' })
 */
export function requirePermissions(permissions: string | readonly string[], options: RequirePermissionsOptions = {}): Middleware {
  const required = typeof permissions === 'string' ? [permissions] : permissions;
  assertOptions(options, { claim: '!string', mode: '!string', stateKey: '!string', realm: 'string', throwErrors: 'boolean' }, 'requirePermissions()');
  const check: PermissionOptions = { mode: options.mode ?? 'all', ...(options.claim === undefined ? {} : { claim: options.claim }) };
  // Runs the core's own argument checks now, so a mistake fails at startup, not at the first request.
  try {
    requirePermissionsOf({}, required, check);
  } catch (error) {
    if (isJwtError(error, 'ERR_CONFIG_INVALID')) throw error;
  }

  return async function requirePermissionsMiddleware(ctx, next) {
    const settings = requestSettings.get(ctx);
    const stateKey = options.stateKey ?? settings?.stateKey ?? 'user';
    const realm = options.realm ?? settings?.realm;
    const throwErrors = options.throwErrors ?? settings?.throwErrors ?? false;
    const claims: unknown = (ctx.state as Record<string, unknown>)[stateKey];
    let failure: JwtError | undefined;
    if (typeof claims !== 'object' || claims === null) {
      failure = new JwtError('ERR_JWT_MISSING');
    } else {
      try {
        requirePermissionsOf(claims as JwtClaims, required, check);
      } catch (error) {
        failure = error instanceof JwtError ? error : new JwtError('ERR_INSUFFICIENT_SCOPE', { cause: error });
      }
    }
    if (failure === undefined) return next();
    reportFailure(settings?.onFailure, failure);
    return reject(ctx, authErrorResponse(failure, realm === undefined ? {} : { realm }), failure, throwErrors);
  };
}
