import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { checkBlocks, type MarkdownFile } from '../src/check.js';
import { extractBlocks } from '../src/extract.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const resolveFrom = fileURLToPath(new URL('..', import.meta.url));
const fence = '```';

// One program for every case below, as for the real READMEs.
const files: Record<string, string> = {
  'type-error.md': ['# Title', '', `${fence}ts`, "const n: number = 'x';", fence, ''].join('\n'),
  'no-preamble.md': [`${fence}ts`, 'token.toUpperCase();', fence].join('\n'),
  'preamble.md': ['<!-- ts-preamble: declare const token: string; -->', `${fence}ts`, 'token.toUpperCase();', fence].join('\n'),
  'bad-preamble.md': ['<!-- ts-preamble: declare const token: strin; -->', `${fence}ts`, 'token.toUpperCase();', fence].join('\n'),
  'detached-preamble.md': ['<!-- ts-preamble: declare const token: string; -->', '', `${fence}ts`, 'token.toUpperCase();', fence].join('\n'),
  'skip.md': ['<!-- ts-check: skip (pseudo-code) -->', `${fence}ts`, 'this is not TypeScript', fence].join('\n'),
  'skip-no-reason.md': ['<!-- ts-check: skip -->', `${fence}ts`, 'const a = 1;', fence].join('\n'),
  'unknown-directive.md': ['<!-- ts-preambel: declare const token: string; -->', `${fence}ts`, 'const a = 1;', fence].join('\n'),
  'workspace.md': [
    `${fence}ts`,
    "import { secretKey } from '@jwt/core';",
    "secretKey('a secret of at least thirty-two bytes!!');",
    fence,
    '',
    `${fence}typescript`,
    "import { secretKey } from '@jwt/core';",
    'secretKey(42);',
    fence,
  ].join('\n'),
  'decorators.md': [
    `${fence}ts`,
    "import { Controller, Get } from '@nestjs/common';",
    "import { Claims, type JwtClaims } from '@jwt/nest';",
    '@Controller()',
    'export class C {',
    "  @Get('me') me(@Claims() claims: JwtClaims) { return claims; }",
    '}',
    fence,
  ].join('\n'),
  'packages/docs-check/test/relative.md': [
    '<!-- ts-file: ../src/example.ts -->',
    `${fence}ts`,
    "import { extractBlocks } from './extract.js';",
    "extractBlocks('');",
    fence,
    '',
    `${fence}ts`,
    "import { extractBlocks } from './extract.js';",
    fence,
  ].join('\n'),
};
const input: MarkdownFile[] = Object.entries(files).map(([path, text]) => ({ path, text }));
const { blocks, global } = checkBlocks(input, { root, resolveFrom });
const diagnosticsOf = (path: string) => blocks.filter((b) => b.file === path).map((b) => b.diagnostics);

describe('checkBlocks', () => {
  test('the options compile', () => {
    expect(global).toEqual([]);
  });

  test('a type error fails the block, reported at its Markdown line and column', () => {
    expect(blocks.find((b) => b.file === 'type-error.md')?.name).toBe('type-error.md:3');
    expect(diagnosticsOf('type-error.md')).toEqual([["type-error.md:4:7 TS2322: Type 'string' is not assignable to type 'number'."]]);
  });

  test('a fragment passes with the preamble that declares what it uses, and fails without it', () => {
    expect(diagnosticsOf('preamble.md')).toEqual([[]]);
    expect(diagnosticsOf('no-preamble.md')).toEqual([["no-preamble.md:2:1 TS2304: Cannot find name 'token'."]]);
  });

  test('an error in the preamble is reported at the comment holding it', () => {
    expect(diagnosticsOf('bad-preamble.md')).toEqual([["bad-preamble.md:1 (ts-preamble) TS2552: Cannot find name 'strin'. Did you mean 'string'?"]]);
  });

  test('a directive separated from the fence by a blank line does not apply', () => {
    expect(diagnosticsOf('detached-preamble.md')).toEqual([["detached-preamble.md:4:1 TS2304: Cannot find name 'token'."]]);
  });

  test('a skipped block is not compiled, and a skip needs a reason', () => {
    const skipped = blocks.find((b) => b.file === 'skip.md');
    expect(skipped?.block.skip).toBe('pseudo-code');
    expect(skipped?.diagnostics).toEqual([]);
    expect(diagnosticsOf('skip-no-reason.md')).toEqual([
      ['skip-no-reason.md: line 1: ts-check: skip needs a reason in parentheses, e.g. "skip (shell session)"'],
    ]);
  });

  test('a misspelt directive fails the block instead of being ignored', () => {
    const [diagnostics] = diagnosticsOf('unknown-directive.md');
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics?.[0]).toMatch(/^unknown-directive\.md: line 1: unknown or malformed directive "ts-preambel:/);
  });

  test('workspace packages are checked against their built types', () => {
    const [good, bad] = diagnosticsOf('workspace.md');
    expect(good).toEqual([]);
    expect(bad).toHaveLength(1);
    expect(bad?.[0]).toMatch(/^workspace\.md:8:11 TS2345: Argument of type 'number' is not assignable to parameter of type /);
  });

  test('Nest decorators compile as in a Nest application', () => {
    expect(diagnosticsOf('decorators.md')).toEqual([[]]);
  });

  test('ts-file places the block where its relative imports resolve; elsewhere they do not', () => {
    const [placed, unplaced] = diagnosticsOf('packages/docs-check/test/relative.md');
    expect(placed).toEqual([]);
    expect(unplaced).toEqual([
      "packages/docs-check/test/relative.md:8:31 TS2307: Cannot find module './extract.js' or its corresponding type declarations.",
    ]);
  });
});

describe('extractBlocks', () => {
  test('takes ts, typescript and tsx fences (backticks or tildes) and nothing else', () => {
    const markdown = [
      '```sh', 'npm test', '```',
      '```js', 'const a = 1;', '```',
      '```ts', 'const b = 2;', '```',
      '~~~typescript', 'const c = 3;', '~~~',
      '````tsx', '```', 'const d = 4;', '````',
      '  ```ts', '  const e = 5;', '  ```',
    ].join('\n');
    expect(extractBlocks(markdown).map((b) => [b.fenceLine, b.extension, b.code])).toEqual([
      [7, 'ts', 'const b = 2;'],
      [10, 'ts', 'const c = 3;'],
      [13, 'tsx', '```\nconst d = 4;'],
      [17, 'ts', 'const e = 5;'],
    ]);
  });

  test('an unclosed fence is a problem, not a silently shorter block', () => {
    expect(extractBlocks('```ts\nconst a = 1;\n')[0]?.problems).toEqual(['the code fence is never closed']);
  });

  test('a multi-line preamble and several directives are read in order', () => {
    const [block] = extractBlocks(['<!-- ts-preamble:', 'declare const a: string;', '-->', '<!-- ts-preamble: declare const b: number; -->', '```ts', 'a; b;', '```'].join('\n'));
    expect(block?.preambles).toEqual([
      { line: 1, code: 'declare const a: string;' },
      { line: 4, code: 'declare const b: number;' },
    ]);
    expect(block?.problems).toEqual([]);
  });
});
