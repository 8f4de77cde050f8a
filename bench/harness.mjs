import { existsSync, readFileSync, writeFileSync } from 'node:fs';
// A small, dependency-free benchmark harness: time-boxed batches after a warm-up, rounds
// interleaved across contestants so drift (thermal, GC, the other core) hits all of them alike,
// and the median round reported.

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** `inFlight` chains each await `fn()` in a loop, as concurrent requests of a server do. */
async function measureInFlight(fn, inFlight, ms) {
  let ops = 0;
  const start = now();
  const deadline = start + ms;
  const chain = async () => {
    while (now() < deadline) {
      for (let i = 0; i < 20; i++) await fn();
      ops += 20;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, chain));
  return (ops / (now() - start)) * 1000;
}

/**
 * Where the time of `inFlight` concurrent calls goes: ops/s and how many cores the process used
 * meanwhile (its CPU time, every thread, over the wall time). Below 2 on two cores with sixteen
 * verifications in flight, the second core was not the process's to use (other processes had it)
 * or the work did not spread.
 */
export async function cpuShare(fn, inFlight, ms) {
  const before = process.cpuUsage();
  const start = now();
  const ops = await measureInFlight(fn, inFlight, ms);
  const wallMs = now() - start;
  const used = process.cpuUsage(before);
  return { ops, cores: (used.user + used.system) / 1000 / wallMs };
}

async function measure(contestant, ms) {
  if (typeof contestant === 'object') return measureInFlight(contestant.fn, contestant.inFlight, ms);
  const fn = contestant;
  const isAsync = fn.constructor.name === 'AsyncFunction' || fn() instanceof Promise;
  let ops = 0;
  const start = now();
  let elapsed = 0;
  if (isAsync) {
    while ((elapsed = now() - start) < ms) {
      for (let i = 0; i < 200; i++) await fn();
      ops += 200;
    }
  } else {
    while ((elapsed = now() - start) < ms) {
      for (let i = 0; i < 200; i++) fn();
      ops += 200;
    }
  }
  return (ops / elapsed) * 1000;
}

/**
 * @param {Record<string, (() => unknown) | { fn: () => Promise<unknown>, inFlight: number }>} contestants
 *   a function is timed one call at a time; `{ fn, inFlight }` with that many calls in flight
 * @param {{ rounds?: number, roundMs?: number, warmupMs?: number }} [opts]
 * @returns {Promise<Record<string, number>>} median ops/s per contestant
 */
export async function race(contestants, { rounds = 5, roundMs = 300, warmupMs = 300 } = {}) {
  const names = Object.keys(contestants);
  for (const name of names) await measure(contestants[name], warmupMs);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) samples[name].push(await measure(contestants[name], roundMs));
  }
  return Object.fromEntries(names.map((n) => {
    const s = samples[n].sort((a, b) => a - b);
    return [n, s[Math.floor(s.length / 2)]];
  }));
}

export function fmt(n) {
  return n >= 1000 ? `${Math.round(n).toLocaleString('en-US')}` : n.toFixed(1);
}

/**
 * Writes `table` into bench/README.md between `<!-- NAME:begin -->` and `<!-- NAME:end -->`,
 * keeping every other section; when the markers are missing, appends the section under `heading`
 * (and `intro`, if given). One writer for every benchmark, so their sections never clobber each other.
 * @param {{ name: string, heading: string, intro?: string, table: string, readme?: URL }} section
 */
export function writeReadmeSection({ name, heading, intro, table, readme = new URL('./README.md', import.meta.url) }) {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${table}\n${end}`;
  let text = existsSync(readme) ? readFileSync(readme, 'utf8') : '# Benchmarks\n';
  text = text.includes(begin)
    ? text.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), () => block)
    : `${text.trimEnd()}\n\n## ${heading}\n\n${intro ? `${intro}\n\n` : ''}${block}\n`;
  writeFileSync(readme, text);
}
