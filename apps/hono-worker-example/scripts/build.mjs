/**
 * Bundles the Worker as `wrangler deploy` would: one ES module, no `node` export condition, and no
 * Node built-in allowed (esbuild's neutral platform cannot resolve one, so the build fails if
 * anything Node-only, such as the Node example's scrypt users or Redis store, sneaks in).
 */
import { build } from 'esbuild';

await build({
  entryPoints: ['src/worker.ts'],
  outfile: 'dist/worker.mjs',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  conditions: ['workerd', 'worker', 'browser'],
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: new URL('..', import.meta.url).pathname,
});
