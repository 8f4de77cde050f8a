/** Drives test/fixtures/worker.mjs: one service instance per process, one JSON line per request. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SETTLE_MS } from './redis-server.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));
const DIST = new URL('../dist/index.mjs', import.meta.url);
/** How long a worker process may take to start and load the built packages. */
const START_MS = 45_000;

export interface Answer {
  ok: boolean;
  value?: unknown;
  code?: string;
  status: string;
}

export class Worker {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #pending = new Map<number, (answer: Answer) => void>();
  readonly events: { event: string; reason?: string }[] = [];
  readonly exited: Promise<number | null>;
  #next = 0;
  #stderr = '';

  private constructor(env: Record<string, string>) {
    this.#child = spawn(process.execPath, [SCRIPT], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
    this.#child.stderr.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const message = JSON.parse(line) as Answer & { id?: number; event?: string; reason?: string };
      if (message.id === undefined) {
        this.events.push({ event: message.event ?? '', ...(message.reason === undefined ? {} : { reason: message.reason }) });
        return;
      }
      this.#pending.get(message.id)?.(message);
      this.#pending.delete(message.id);
    });
  }

  static async start(env: Record<string, string>): Promise<Worker> {
    if (!existsSync(DIST)) throw new Error('packages/redis/dist is missing: build first (pnpm --filter @jwt/redis build, or pnpm test from the root)');
    const worker = new Worker(env);
    const started = Date.now();
    while (!worker.events.some((e) => e.event === 'started')) {
      // Starting Node and loading the built packages is the slow part on a busy machine: a deadline, not a speed claim.
      if (Date.now() - started > START_MS) throw new Error(`worker did not start in ${START_MS} ms: ${worker.#stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return worker;
  }

  call(op: string, args: Record<string, unknown> = {}): Promise<Answer> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      // Longer than any wait a call asks the worker for (ready up to SETTLE_MS), so only a hang trips it.
      const limit = 2 * SETTLE_MS;
      const timer = setTimeout(() => reject(new Error(`worker ${op}: no answer in ${limit} ms (a hang); stderr: ${this.#stderr}`)), limit);
      this.#pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.#child.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** Resolves with the exit code, or null if it had to be killed after `ms` (it did not exit alone). */
  async waitExit(ms: number): Promise<number | null | 'hung'> {
    const timer = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms).unref());
    const result = await Promise.race([this.exited, timer]);
    if (result === 'hung') this.kill();
    return result;
  }

  kill(): void {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }

  get stderr(): string {
    return this.#stderr;
  }
}
