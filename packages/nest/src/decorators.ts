import { createParamDecorator, type ExecutionContext, type PipeTransform, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtError, type JwtClaims } from '@jwt/core';

/** The request as the guard leaves it: the verified claims on `user`, where passport put them too. */
export interface AuthenticatedRequest<T extends JwtClaims = JwtClaims> {
  user: T;
}

/**
 * Opens a route or a whole controller under a global `JwtAuthGuard`: no token is read or
 * required. A route that also requires permissions stays protected.
 * @example @Public() @Get('health') health() { return { status: 'ok' } }
 */
// Fixed metadata keys (not Nest's random default) for the same reason as the registered DI tokens:
// decorators from one copy of a dual-loaded package must be seen by the guard of the other.
export const Public = Reflector.createDecorator<void, true>({ key: '@jwt/nest:public', transform: () => true });

export interface PermissionRequirement {
  permissions: readonly string[];
  mode: 'all' | 'any';
}

/** @internal The metadata behind `@RequirePermissions()` and `@RequireAnyPermission()`. */
export const PermissionsMetadata = Reflector.createDecorator<PermissionRequirement>({ key: '@jwt/nest:permissions' });

function requirement(permissions: readonly string[], mode: PermissionRequirement['mode'], name: string): PermissionRequirement {
  // Checked when the class is defined, so a mistake stops the application before any request.
  if (permissions.length === 0 || !permissions.every((p) => typeof p === 'string' && p !== '')) {
    throw new JwtError('ERR_CONFIG_INVALID', { detail: `@${name}() needs at least one non-empty permission name` });
  }
  return { permissions: Object.freeze([...permissions]), mode };
}

/**
 * The token must grant every listed permission; otherwise 403 `insufficient_scope`. On a
 * controller and on one of its routes, both requirements apply.
 * @example @RequirePermissions('admin') @Get('admin') admin() { return { ok: true } }
 */
export function RequirePermissions(...permissions: [string, ...string[]]): ClassDecorator & MethodDecorator {
  return PermissionsMetadata(requirement(permissions, 'all', 'RequirePermissions'));
}

/**
 * The token must grant at least one of the listed permissions; otherwise 403 `insufficient_scope`.
 * @example @RequireAnyPermission('admin', 'moderator') @Delete(':id') remove() {}
 */
export function RequireAnyPermission(...permissions: [string, ...string[]]): ClassDecorator & MethodDecorator {
  return PermissionsMetadata(requirement(permissions, 'any', 'RequireAnyPermission'));
}

/** @internal Named so the start-up route check can recognise `@Claims()` among a handler's parameters. */
export function readClaims(claim: string | undefined, context: ExecutionContext): unknown {
  const claims = context.switchToHttp().getRequest<Partial<AuthenticatedRequest>>().user;
  return claim === undefined ? claims : claims?.[claim];
}

const claimsParam = createParamDecorator(readClaims);

/**
 * Injects the verified claims, or one claim by name. Give the claims type to check the name:
 * `@Claims<AppClaims>('permissions')`. Undefined on a route the guard did not authenticate
 * (`@Public()`, or `optional` without a token). Pipes run on the value as usual.
 * @example me(@Claims() claims: AppClaims, @Claims<AppClaims>('sub') sub: string) {}
 */
export const Claims: <T extends JwtClaims = JwtClaims>(claim?: keyof T & string, ...pipes: (Type<PipeTransform> | PipeTransform)[]) => ParameterDecorator =
  (claim, ...pipes) => (claim === undefined ? claimsParam(...pipes) : claimsParam(claim, ...pipes));
