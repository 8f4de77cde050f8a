/**
 * Entry of the benchmark bundle: `<runtime> bench.mjs <name> [--quick]` prints one report line.
 */
import { runBench } from './bench.js';
import { restoreHiddenGlobals, scriptArgs } from './hidden-globals.js';

restoreHiddenGlobals();
const args = scriptArgs();
const quick = args.includes('--quick');
const report = await runBench(args[0] ?? 'unknown', quick ? { rounds: 3, roundMs: 150 } : { rounds: 5, roundMs: 300 });
console.log(`EDGE_BENCH_REPORT ${JSON.stringify(report)}`);
