/**
 * Entry of the bundle run by `node`, `bun run` and `deno run`: runs the suite and prints one
 * report line.
 */
import { restoreHiddenGlobals, scriptArgs } from './hidden-globals.js';
import { parseOptions, REPORT_PREFIX, runSuite } from './suite.js';

restoreHiddenGlobals();
const report = await runSuite(parseOptions(scriptArgs()));
console.log(`${REPORT_PREFIX}${JSON.stringify(report)}`);
