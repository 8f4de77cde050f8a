/**
 * Entry of the bundle run by `node`, `bun run` and `deno run`: runs the suite and prints one
 * report line. The arguments come from Deno.args on Deno and process.argv elsewhere.
 */
import { parseOptions, REPORT_PREFIX, runSuite } from './suite.js';

// The web-only bundle hid Node's globals from @jwt/core while its modules were evaluated (see
// test/support/bundle.ts); the runtime itself needs them back (Node's fetch uses Buffer).
const hidden = (globalThis as Record<symbol, Record<string, { target: object; value: unknown }> | undefined>)[Symbol.for('jwt.edge-tests.hidden')];
for (const [name, { target, value }] of Object.entries(hidden ?? {})) {
  Object.defineProperty(target, name, { value, configurable: true, writable: true });
}

const deno = (globalThis as { Deno?: { args: string[] } }).Deno;
const args = deno?.args ?? (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];

const report = await runSuite(parseOptions(args));
console.log(`${REPORT_PREFIX}${JSON.stringify(report)}`);
