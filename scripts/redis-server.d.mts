export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}
export type Run = (command: string, args: string[]) => RunResult;
export type Outcome = { ok: true; binary: string; version: string; how: string } | { ok: false; reason: string };
export const INSTALL_HINT: string;
export function provideRedisServer(seams: {
  env: Record<string, string | undefined>;
  which: (name: string) => string | undefined;
  run: Run;
  isRoot: boolean;
  log?: (line: string) => void;
}): Outcome;
export function whichOnPath(path?: string): (name: string) => string | undefined;
export function runSync(env: NodeJS.ProcessEnv): Run;
