import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { JwtError } from '@jwt/core';
import { readClaims } from './decorators.js';
import { JwtAuthGuard } from './guard.js';

// Nest's own metadata keys (GUARDS_METADATA, METHOD_METADATA, ROUTE_ARGS_METADATA in
// @nestjs/common/constants), spelled out: that subpath is not part of Nest's typed API.
const GUARDS = '__guards__';
const ROUTE_METHOD = 'method';
const ROUTE_ARGS = '__routeArguments__';
const PERMISSIONS = '@jwt/nest:permissions';
const PUBLIC = '@jwt/nest:public';

function isJwtGuard(guard: unknown): boolean {
  return guard === JwtAuthGuard || guard instanceof JwtAuthGuard || (typeof guard === 'function' && guard.prototype instanceof JwtAuthGuard);
}

/**
 * At start-up, refuses routes that declare `@RequirePermissions`, `@RequireAnyPermission`,
 * `@Claims` or `@Public` but that no `JwtAuthGuard` reaches: without the guard those decorators
 * do nothing, and a route meant for admins answers anonymous requests.
 */
@Injectable()
export class JwtAuthRouteCheck implements OnApplicationBootstrap {
  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  onApplicationBootstrap(): void {
    // A global guard (`globalGuard: true`, or an APP_GUARD provider of JwtAuthGuard) reaches every route.
    const global = this.discovery.getProviders().some((w) => typeof w.token === 'string' && w.token.startsWith('APP_GUARD') && isJwtGuard(w.instance));
    if (global) return;
    const unguarded: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const cls = wrapper.metatype;
      if (typeof cls !== 'function') continue;
      const classGuarded = this.guarded(cls);
      const classDeclares = this.reflector.get(PERMISSIONS, cls) !== undefined || this.reflector.get(PUBLIC, cls) !== undefined;
      const prototype = cls.prototype as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function' || this.reflector.get(ROUTE_METHOD, handler) === undefined) continue;
        if (classGuarded || this.guarded(handler)) continue;
        if (classDeclares || this.declares(cls, name, handler)) unguarded.push(`${cls.name}.${name}`);
      }
    }
    if (unguarded.length > 0) {
      throw new JwtError('ERR_CONFIG_INVALID', {
        detail: `JwtAuthModule: ${unguarded.join(', ')} use @RequirePermissions, @Claims or @Public but no JwtAuthGuard protects them: set globalGuard: true, or add @UseGuards(JwtAuthGuard) to the controller or handler`,
      });
    }
  }

  private guarded(target: object): boolean {
    const guards: unknown = this.reflector.get(GUARDS, target as never);
    return Array.isArray(guards) && guards.some(isJwtGuard);
  }

  private declares(cls: object, name: string, handler: object): boolean {
    if (this.reflector.get(PERMISSIONS, handler as never) !== undefined || this.reflector.get(PUBLIC, handler as never) !== undefined) return true;
    const args = Reflect.getMetadata(ROUTE_ARGS, cls, name) as Record<string, { factory?: unknown }> | undefined;
    return args !== undefined && Object.values(args).some((arg) => arg.factory === readClaims);
  }
}
