/**
 * Runs a Worker module under workerd, the runtime of Cloudflare Workers, from the `workerd` npm
 * package: a generated Cap'n Proto config, a socket on 127.0.0.1 port 0, and the port read back
 * from workerd's control descriptor once it listens (no port guessing, no race).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);

/** The workerd binary the `workerd` package installed (its main module exports the path). */
export function workerdBinary(): string {
  const exported = require('workerd') as { default?: string } | string;
  return typeof exported === 'string' ? exported : exported.default!;
}

export interface WorkerOptions {
  /** Path of the bundled ES module. */
  module: string;
  /** Text bindings (`env.NAME`), such as secrets and settings. */
  bindings?: Record<string, string>;
  /** Let the Worker's fetch reach 127.0.0.1 (for a JWKS server). @default false */
  allowLoopback?: boolean;
  /** Compatibility flags, e.g. `nodejs_compat`. None by default: a bare Worker. */
  compatibilityFlags?: string[];
  /** @default 15000 */
  startTimeoutMs?: number;
}

export interface RunningWorker {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Everything workerd wrote to stderr and stdout (console output of the Worker included). */
  output(): string;
  stop(): Promise<void>;
}

const capnpString = (s: string): string => JSON.stringify(s);

export function workerConfig(options: WorkerOptions, moduleName: string): string {
  const bindings = Object.entries(options.bindings ?? {}).map(([name, value]) => `(name = ${capnpString(name)}, text = ${capnpString(value)})`);
  const flags = (options.compatibilityFlags ?? []).map(capnpString);
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "loopback", network = (allow = ["local"])),
    (name = "none", network = (allow = [])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [ (name = ${capnpString(moduleName)}, esModule = embed ${capnpString(moduleName)}) ],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = [${flags.join(', ')}],
  bindings = [${bindings.join(', ')}],
  globalOutbound = ${options.allowLoopback ? '"loopback"' : '"none"'},
);
`;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const dir = mkdtempSync(join(tmpdir(), 'jwt-workerd-'));
  const moduleName = basename(options.module);
  writeFileSync(join(dir, moduleName), readFileSync(options.module));
  const configFile = join(dir, 'config.capnp');
  writeFileSync(configFile, workerConfig(options, moduleName));

  const child: ChildProcess = spawn(workerdBinary(), ['serve', configFile, '--control-fd=3'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    cleanup();
  };

  const timeoutMs = options.startTimeoutMs ?? 15_000;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`workerd did not listen within ${timeoutMs} ms\n${output}`)), timeoutMs);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`workerd exited (code ${child.exitCode}, signal ${child.signalCode}) before listening\n${output}`));
      });
      // One JSON object per line, e.g. {"event":"listen","socket":"http","port":41234}.
      const control = child.stdio[3] as NodeJS.ReadableStream;
      createInterface({ input: control }).on('line', (line) => {
        try {
          const message = JSON.parse(line) as { event?: string; socket?: string; port?: number };
          if (message.event === 'listen' && message.socket === 'http' && typeof message.port === 'number') {
            clearTimeout(timer);
            resolve(message.port);
          }
        } catch {
          // Not a control message this harness knows.
        }
      });
    });
    return { url: `http://127.0.0.1:${port}`, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
