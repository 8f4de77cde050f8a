import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts', 'src/contract.ts'],
  // Both formats: the Nest example compiles to CommonJS, the others are ESM.
  format: ['esm', 'cjs'],
  dts: true,
  fixedExtension: true,
  platform: 'node',
  target: 'es2022',
  sourcemap: true,
  clean: true,
});
