import { Module, type DynamicModule, type InjectionToken, type ModuleMetadata, type OptionalFactoryDependency, type Provider } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { JwtAuthGuard } from './guard.js';
import { createJwtAuthRuntime, JWT_AUTH_OPTIONS, JWT_AUTH_RUNTIME, type JwtAuthOptions } from './options.js';
import { JwtRefreshService } from './refresh.js';
import { JwtAuthRouteCheck } from './route-check.js';
import { JwtSignerService } from './signer.js';

export interface JwtAuthModuleExtras {
  /**
   * Register the module in the global scope, so every module can use `JwtAuthGuard` and
   * `JwtSignerService` without importing it.
   * @default false
   */
  global?: boolean;
  /**
   * Protect every route of the application with `JwtAuthGuard`; open routes with `@Public()`.
   * @default false
   */
  globalGuard?: boolean;
}

/**
 * `R` with no key that {@link JwtAuthOptions} does not know: a factory's return type is not
 * checked for excess properties, so a misspelled option (`audiance`) would otherwise compile.
 */
export type ExactJwtAuthOptions<R> = R & Record<Exclude<keyof R, keyof JwtAuthOptions>, never>;

export interface JwtAuthModuleAsyncOptions<R extends JwtAuthOptions = JwtAuthOptions> extends JwtAuthModuleExtras {
  /** Modules whose providers the factory needs, e.g. `ConfigModule`. */
  imports?: ModuleMetadata['imports'];
  /** Providers passed to the factory, in order, e.g. `[ConfigService]`. */
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  /**
   * Returns the module options; may be async (read a key file, fetch a secret).
   * @example useFactory: (config: ConfigService) => ({ key: secretKey(config.getOrThrow('JWT_SECRET')), issuer: 'auth' })
   */
  useFactory: (...args: never[]) => ExactJwtAuthOptions<R> | Promise<ExactJwtAuthOptions<R>>;
}

function definition(options: Provider, extras: JwtAuthModuleExtras, imports: ModuleMetadata['imports'] = []): DynamicModule {
  const providers: Provider[] = [
    options,
    { provide: JWT_AUTH_RUNTIME, useFactory: createJwtAuthRuntime, inject: [JWT_AUTH_OPTIONS] },
    JwtAuthGuard,
    JwtSignerService,
    JwtRefreshService,
    JwtAuthRouteCheck,
  ];
  if (extras.globalGuard === true) providers.push({ provide: APP_GUARD, useExisting: JwtAuthGuard });
  return {
    module: JwtAuthModule,
    global: extras.global === true,
    imports: [DiscoveryModule, ...imports],
    providers,
    exports: [JWT_AUTH_OPTIONS, JWT_AUTH_RUNTIME, JwtAuthGuard, JwtSignerService, JwtRefreshService],
  };
}

/**
 * JWT authentication for a Nest application: verification options, the guard and the signer.
 * @example
 * JwtAuthModule.forRoot({ key: secretKey(process.env.JWT_SECRET!), issuer: 'auth', audience: 'api', global: true, globalGuard: true })
 */
@Module({})
export class JwtAuthModule {
  /** Configures the module with options known when the module is declared. */
  static forRoot(options: JwtAuthOptions & JwtAuthModuleExtras): DynamicModule {
    const { global, globalGuard, ...authOptions } = options;
    return definition({ provide: JWT_AUTH_OPTIONS, useValue: authOptions }, { global: global === true, globalGuard: globalGuard === true });
  }

  /**
   * Configures the module from other providers, e.g. keys from `ConfigService`.
   * @example
   * JwtAuthModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ key: secretKey(config.getOrThrow('JWT_SECRET')), audience: 'api' }),
   * })
   */
  static forRootAsync<R extends JwtAuthOptions>(options: JwtAuthModuleAsyncOptions<R>): DynamicModule {
    const provider: Provider = {
      provide: JWT_AUTH_OPTIONS,
      // The public type takes any parameter list; Nest calls it with the resolved `inject` list.
      useFactory: options.useFactory as unknown as (...args: unknown[]) => JwtAuthOptions | Promise<JwtAuthOptions>,
      inject: options.inject ?? [],
    };
    return definition(provider, options, options.imports);
  }
}
