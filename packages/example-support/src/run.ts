/**
 * The process life of an example app, the same for all three: read the configuration (or exit 1
 * with the reason), start the framework's server, print `listening on http://HOST:PORT` once it
 * accepts connections, and exit 0 on SIGTERM or SIGINT.
 */
import { ConfigError, loadConfig, type Environment, type ExampleConfig } from './config.js';
import { createExampleService, type ExampleService } from './service.js';

export interface RunningServer {
  /** The port actually bound (differs from the configured one when PORT=0). */
  port: number;
  /** Stops accepting connections and closes open ones. */
  close(): Promise<void>;
}

export interface RunExampleAppOptions {
  /** The app's port when `PORT` is unset. */
  defaultPort: number;
  /** Builds the app and listens on `service.config.host` / `service.config.port`. */
  start(service: ExampleService): Promise<RunningServer>;
  /** @default process.env */
  env?: Environment;
}

/** Open connections get this long to finish after a signal before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 3000;

/** `http://HOST:PORT`, with brackets around an IPv6 address. */
export function serverUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Runs an example app until SIGTERM or SIGINT.
 * @example
 * await runExampleApp({ defaultPort: 3000, start: async (service) => listen(createApp(service), service.config) })
 */
export async function runExampleApp(options: RunExampleAppOptions): Promise<void> {
  let config: ExampleConfig;
  try {
    config = loadConfig(options.env ?? process.env, { defaultPort: options.defaultPort });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);

  let service: ExampleService;
  try {
    // Keys are parsed here (JWT_PRIVATE_KEY_FILE, JWKS_URL): a bad one is a configuration error too.
    service = await createExampleService(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 1;
    return;
  }
  const server = await options.start(service);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
    void Promise.allSettled([server.close()])
      .then(() => service.close())
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  process.stdout.write(`listening on ${serverUrl(config.host, server.port)}\n`);
}
