import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts', 'src/lite.ts'],
  format: ['esm', 'cjs'],
  // Members tagged @internal (JwtKey's key material, typed with node:crypto's KeyObject) stay out
  // of the published types, which then need no @types/node (Workers, Deno, browsers).
  dts: { compilerOptions: { stripInternal: true } },
  fixedExtension: true,
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  clean: true,
});
