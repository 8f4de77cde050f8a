/**
 * Runs an example app as a real process, the way a user does (`node dist/main.js`), and waits for
 * its `listening on http://HOST:PORT` line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A fixed 64-byte secret, so tests can sign tokens the app accepts. */
export const TEST_SECRET = 'contract-suite-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCD';

export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningApp {
  /** `http://127.0.0.1:PORT`, as printed by the app. */
  url: string;
  /** Everything the app printed so far. */
  stdout(): string;
  stderr(): string;
  /** Sends the signal and resolves when the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<AppExit>;
  /** Resolves when the process exits on its own. */
  exited: Promise<AppExit>;
}

export interface StartOptions {
  /** The app's package name (a devDependency of this package), e.g. `hono-example`. */
  app: string;
  /** Environment variables on top of PORT=0, HOST=127.0.0.1 and JWT_SECRET. A value of undefined removes the variable. */
  env?: Record<string, string | undefined>;
  /** @default 20000 */
  timeoutMs?: number;
}

const require = createRequire(import.meta.url);

/** The built entry point of an example app: `<app>/dist/main.js`. */
export function appEntry(app: string): string {
  return join(dirname(require.resolve(`${app}/package.json`)), 'dist', 'main.js');
}

const LISTENING = /^listening on (http:\/\/\S+)$/m;

function exitOf(child: ChildProcess): Promise<AppExit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Starts the app process and spawns nothing else; resolves once it accepts connections. */
export function spawnApp(options: StartOptions): { child: ChildProcess; app: Promise<RunningApp>; exited: Promise<AppExit>; output: () => { stdout: string; stderr: string } } {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...process.env, PORT: '0', HOST: '127.0.0.1', JWT_SECRET: TEST_SECRET, ...options.env })) {
    if (value !== undefined) env[name] = value;
  }
  // The test runner's own variables must not leak configuration into the app.
  for (const name of ['JWT_PRIVATE_KEY_FILE', 'JWKS_URL', 'REDIS_URL']) if (!(name in (options.env ?? {}))) delete env[name];
  const child = spawn(process.execPath, [appEntry(options.app)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = exitOf(child);
  const timeoutMs = options.timeoutMs ?? 60_000;

  const app = new Promise<RunningApp>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.app} did not print its listening line within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    const onData = (): void => {
      const m = LISTENING.exec(stdout);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        url: m[1]!,
        stdout: () => stdout,
        stderr: () => stderr,
        exited,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`${options.app} exited (code ${exit.code}, signal ${exit.signal}) before listening\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
  app.catch(() => undefined);
  return { child, app, exited, output: () => ({ stdout, stderr }) };
}

/** Starts an app and resolves once it listens. Stop it with `stop()`. */
export function startApp(options: StartOptions): Promise<RunningApp> {
  return spawnApp(options).app;
}
