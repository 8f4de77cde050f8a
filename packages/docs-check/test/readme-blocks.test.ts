import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { checkBlocks, findMarkdownFiles } from '../src/check.js';

// Every TypeScript block of every Markdown file in the repository, one test each, named
// `<file>:<line of the opening fence>`. See CONTRIBUTING.md for the directives.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const resolveFrom = fileURLToPath(new URL('..', import.meta.url));
const { blocks, global } = checkBlocks(findMarkdownFiles(root), { root, resolveFrom });

test('the compiler options are valid', () => {
  expect(global).toEqual([]);
});

test('the repository has TypeScript blocks to check', () => {
  // Guards against the extraction silently finding nothing.
  expect(blocks.filter((b) => b.file === 'README.md').length).toBeGreaterThanOrEqual(5);
});

describe('Markdown TypeScript blocks', () => {
  for (const { name, block, diagnostics } of blocks) {
    if (block.skip !== undefined && diagnostics.length === 0) {
      test.skip(`${name} (${block.skip})`, () => {});
      continue;
    }
    test(name, () => {
      expect(diagnostics).toEqual([]);
    });
  }
});
