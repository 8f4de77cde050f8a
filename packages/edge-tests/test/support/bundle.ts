/**
 * Bundles the runtime-neutral suite with esbuild the way an edge deployment would: ESM, no `node`
 * export condition, no Node built-in resolvable (an import of one fails the build), and the RFC
 * vectors and PEM fixtures embedded, since a Worker has no file system to read them from.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

export const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const OUT_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));
// CI clones the repository with shared/ beside it, as the core's tests also assume.
const VECTORS_DIR = new URL('../../../../../shared/vectors/', import.meta.url);
const FIXTURES_DIR = new URL('../../../core/test/fixtures/', import.meta.url);

/** `virtual:fixtures`: every vector and PEM fixture as one JSON module. */
export const fixturesPlugin: Plugin = {
  name: 'edge-fixtures',
  setup(b) {
    b.onResolve({ filter: /^virtual:fixtures$/ }, (args) => ({ path: args.path, namespace: 'edge-fixtures' }));
    b.onLoad({ filter: /.*/, namespace: 'edge-fixtures' }, () => {
      const vectors: Record<string, unknown> = {};
      for (const file of readdirSync(VECTORS_DIR).filter((f) => f.endsWith('.json'))) {
        vectors[file] = JSON.parse(readFileSync(new URL(file, VECTORS_DIR), 'utf8')) as unknown;
      }
      const pems: Record<string, string> = {};
      for (const file of readdirSync(FIXTURES_DIR).filter((f) => f.endsWith('.pem'))) pems[file] = readFileSync(new URL(file, FIXTURES_DIR), 'utf8');
      return { contents: JSON.stringify({ vectors, pems }), loader: 'json' };
    });
  },
};

/**
 * Runs before any bundled module: takes away what makes @jwt/core choose its Node paths
 * (`process.getBuiltinModule` for node:crypto, the global `Buffer` for base64url), so Node, Bun
 * and Deno run the code a Worker runs. The core reads both once, when its module is evaluated;
 * src/hidden-globals.ts puts them back before the suite starts, because Node's fetch needs Buffer.
 */
const WEB_ONLY_BANNER = `{
  const hidden = {};
  const hide = (target, name) => {
    if (!target || !(name in target)) return;
    hidden[name] = { target, value: target[name] };
    Object.defineProperty(target, name, { value: undefined, configurable: true, writable: true });
  };
  hide(globalThis.process, 'getBuiltinModule');
  hide(globalThis, 'Buffer');
  globalThis[Symbol.for('jwt.edge-tests.hidden')] = hidden;
}`;

export interface SuiteBundles {
  /** For node, bun and deno: whatever backend the runtime offers. */
  cli: string;
  /** The same, with the Node-only globals hidden: the WebCrypto path. */
  cliWebOnly: string;
  /** The Worker module for workerd. */
  worker: string;
}

const common: BuildOptions = {
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  // Edge runtimes resolve packages without the `node` condition; `module`/`main` for packages without exports.
  mainFields: ['module', 'main'],
  conditions: ['worker', 'browser'],
  target: 'es2022',
  logLevel: 'silent',
  plugins: [fixturesPlugin],
  absWorkingDir: PACKAGE_DIR,
};

export async function bundleSuite(): Promise<SuiteBundles> {
  const out = {
    cli: `${OUT_DIR}suite.mjs`,
    cliWebOnly: `${OUT_DIR}suite-web-only.mjs`,
    worker: `${OUT_DIR}suite-worker.mjs`,
  };
  await Promise.all([
    build({ ...common, entryPoints: ['src/entry-cli.ts'], outfile: out.cli }),
    build({ ...common, entryPoints: ['src/entry-cli.ts'], outfile: out.cliWebOnly, banner: { js: WEB_ONLY_BANNER } }),
    build({ ...common, entryPoints: ['src/entry-worker.ts'], outfile: out.worker }),
  ]);
  return out;
}

export interface BenchBundles {
  /** @jwt/core as the runtime offers it (node:crypto on Bun and Deno). */
  native: string;
  /** @jwt/core on WebCrypto only, as on Workers. */
  webOnly: string;
}

/** The benchmark (src/bench.ts) with @jwt/core and jose, for `pnpm bench`. */
export async function bundleBench(): Promise<BenchBundles> {
  const out = { native: `${OUT_DIR}bench.mjs`, webOnly: `${OUT_DIR}bench-web-only.mjs` };
  const options = { ...common, entryPoints: ['src/entry-bench.ts'], minify: true };
  await Promise.all([build({ ...options, outfile: out.native }), build({ ...options, outfile: out.webOnly, banner: { js: WEB_ONLY_BANNER } })]);
  return out;
}
