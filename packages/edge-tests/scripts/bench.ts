/**
 * `pnpm bench` (this package's `bench` script, run by Bun): verification ops/s of @jwt/core
 * against jose on Bun and Deno (Node for reference), each as it comes (the core on node:crypto)
 * and with the core on WebCrypto only (what it runs on Workers). Prints the table and writes it
 * into bench/README.md under "Runtimes". `--quick` for a short run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { bundleBench } from '../test/support/bundle.ts';
import { bunBinary, denoBinary, runProcess } from '../test/support/runtimes.ts';
import type { BenchReport } from '../src/bench.ts';

const quick = process.argv.includes('--quick');
const bundles = await bundleBench();
const node = process.env.NODE_BINARY ?? 'node';

const runs: { name: string; command: string; args: (bundle: string) => string[]; webOnly: boolean }[] = [
  { name: 'Bun', command: bunBinary(), args: (b) => ['run', b], webOnly: false },
  { name: 'Bun', command: bunBinary(), args: (b) => ['run', b], webOnly: true },
  { name: 'Deno', command: denoBinary(), args: (b) => ['run', '--no-prompt', b], webOnly: false },
  { name: 'Deno', command: denoBinary(), args: (b) => ['run', '--no-prompt', b], webOnly: true },
  { name: 'Node', command: node, args: (b) => [b], webOnly: false },
  { name: 'Node', command: node, args: (b) => [b], webOnly: true },
];

const reports: (BenchReport & { webOnly: boolean; version: string })[] = [];
for (const run of runs) {
  const bundle = run.webOnly ? bundles.webOnly : bundles.native;
  const result = await runProcess(run.command, [...run.args(bundle), run.name, ...(quick ? ['--quick'] : [])], { timeoutMs: 300_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });
  const line = result.stdout.split('\n').find((l) => l.startsWith('EDGE_BENCH_REPORT '));
  if (line === undefined) throw new Error(`${run.name} gave no report (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  // "deno 2.9.6 (stable, ...)", "1.4.5", "v20.20.2": the version number alone.
  const version = /\d+\.\d+\.\d+/.exec((await runProcess(run.command, ['--version'], { timeoutMs: 30_000 })).stdout)?.[0] ?? '?';
  reports.push({ ...(JSON.parse(line.slice('EDGE_BENCH_REPORT '.length)) as BenchReport), webOnly: run.webOnly, version });
  process.stdout.write(`${run.name}${run.webOnly ? ' (WebCrypto only)' : ''}: done\n`);
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const lines = [
  `Run on ${new Date().toISOString().slice(0, 10)}, 2 cores${quick ? ', quick mode' : ''}. Verification of one valid token (iss, aud and exp checked) through each library's promise API, ops/s, median of interleaved rounds; "in flight" is how many verifications run at once (1: one after the other, as in a script; 16: as under a server's load). "core backend" is what @jwt/core chose; jose always uses WebCrypto.`,
  '',
  '| runtime | run | core backend | alg | in flight | @jwt/core | jose | ratio |',
  '|---|---|---|---|---|---|---|---|',
];
for (const r of reports) {
  for (const row of r.rows) {
    lines.push(`| ${r.runtime} ${r.version} | ${r.webOnly ? 'web-only' : 'as is'} | ${r.backend} | ${row.alg} | ${row.inFlight} | ${fmt(row.core)} | ${fmt(row.jose)} | ${(row.core / row.jose).toFixed(2)}x |`);
  }
}
const table = lines.join('\n');
console.log(`\n${table}\n`);

const readme = new URL('../../../bench/README.md', import.meta.url);
const begin = '<!-- runtimes-bench:begin -->';
const end = '<!-- runtimes-bench:end -->';
let text = readFileSync(readme, 'utf8');
const block = `${begin}\n${table}\n${end}`;
if (text.includes(begin) && text.includes(end)) {
  text = text.slice(0, text.indexOf(begin)) + block + text.slice(text.indexOf(end) + end.length);
} else {
  const intro = [
    '## Runtimes',
    '',
    'Verification ops/s of `@jwt/core` against `jose` on the same runtime (`pnpm --filter @jwt/edge-tests bench`, part of `pnpm bench`).',
    'Each runtime runs twice: as it comes (on Bun and Node the core then uses `node:crypto`, on Deno WebCrypto) and with',
    '`process.getBuiltinModule` and `Buffer` hidden, so the core runs on WebCrypto alone, as on Cloudflare Workers.',
    'Targets: at least 1.0x `jose` everywhere, 1.5x where the runtime offers faster primitives than WebCrypto.',
  ].join('\n');
  text = `${text.trimEnd()}\n\n${intro}\n\n${block}\n`;
}
writeFileSync(readme, text);
