/**
 * A test runner small enough to run anywhere a Worker runs: no vitest, no `node:` import, no
 * timers. Cases are registered in groups and run one after another; the result is plain JSON that
 * the vitest harness (test/runtimes.test.ts) reads back from each runtime.
 */

export interface CaseResult {
  group: string;
  name: string;
  ok: boolean;
  /** The failure, for a case that did not pass. */
  error?: string;
}

export interface SuiteReport {
  runtime: string;
  /** `backendName()` of @jwt/core as this runtime loaded it. */
  backend: string;
  results: CaseResult[];
  passed: number;
  failed: number;
}

export type CaseFn = () => unknown;

interface Registered {
  group: string;
  name: string;
  run: CaseFn;
}

export class Runner {
  readonly #cases: Registered[] = [];
  readonly #names = new Set<string>();

  /** Registers the cases of one group; `define` receives the `test` function of that group. */
  group(group: string, define: (test: (name: string, run: CaseFn) => void) => void): void {
    define((name, run) => {
      const id = `${group} > ${name}`;
      // Results are matched by name across runtimes, so a duplicate would hide a case.
      if (this.#names.has(id)) throw new Error(`duplicate case: ${id}`);
      this.#names.add(id);
      this.#cases.push({ group, name, run });
    });
  }

  async run(): Promise<CaseResult[]> {
    const results: CaseResult[] = [];
    for (const c of this.#cases) {
      try {
        await c.run();
        results.push({ group: c.group, name: c.name, ok: true });
      } catch (error) {
        results.push({ group: c.group, name: c.name, ok: false, error: describe(error) });
      }
    }
    return results;
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
  }
  return String(error);
}
