/**
 * Finds the TypeScript blocks of a Markdown file and the directives written above them.
 *
 * A block is a fence opened with ```ts, ```typescript or ```tsx. Directives are HTML comments on
 * the lines right above the fence (no blank line in between), so they stay invisible on GitHub
 * and npm:
 *
 *   <!-- ts-preamble: declare const token: string; -->   TypeScript put before the block
 *   <!-- ts-file: test/hono.test.ts -->                   check the block as this file (relative
 *                                                         to the Markdown file), for its relative
 *                                                         imports and its package's dependencies
 *   <!-- ts-check: skip (why) -->                         not a TypeScript program; the reason is
 *                                                         required
 *
 * Any other comment starting with `ts-` is an error, so a misspelt directive cannot silently
 * change what is checked.
 */

export interface Block {
  /** 1-based line of the opening fence in the Markdown file. */
  fenceLine: number;
  /** 1-based line of the block's first code line. */
  firstLine: number;
  /** `ts` or `tsx`: the extension the block is checked with. */
  extension: 'ts' | 'tsx';
  code: string;
  preambles: Preamble[];
  /** Path relative to the Markdown file's directory, from `ts-file`. */
  file: string | undefined;
  /** Reason given by `ts-check: skip (...)`. */
  skip: string | undefined;
  /** Directive mistakes (unknown directive, skip without a reason, unclosed fence, ...). */
  problems: string[];
}

export interface Preamble {
  /** 1-based line of the comment holding it. */
  line: number;
  code: string;
}

const fenceOpen = /^(\s*)(`{3,}|~{3,})\s*([A-Za-z0-9_+-]*)[^`]*$/;
const tsLanguages = new Map<string, 'ts' | 'tsx'>([
  ['ts', 'ts'],
  ['typescript', 'ts'],
  ['tsx', 'tsx'],
]);

export function extractBlocks(markdown: string): Block[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: Block[] = [];
  let index = 0;
  while (index < lines.length) {
    const open = fenceOpen.exec(lines[index]!);
    if (open === null) {
      index += 1;
      continue;
    }
    const [, indent = '', fence = '', language = ''] = open;
    // The closing fence uses the same character, at least as many of it, and nothing else.
    const closing = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let end = index + 1;
    while (end < lines.length && !closing.test(lines[end]!)) end += 1;
    const extension = tsLanguages.get(language.toLowerCase());
    if (extension !== undefined) {
      const block = readDirectives(lines, index);
      const body = lines.slice(index + 1, end).map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line));
      if (end >= lines.length) block.problems.push('the code fence is never closed');
      blocks.push({ ...block, fenceLine: index + 1, firstLine: index + 2, extension, code: body.join('\n') });
    }
    index = end + 1;
  }
  return blocks;
}

function readDirectives(lines: string[], fenceIndex: number): Pick<Block, 'preambles' | 'file' | 'skip' | 'problems'> {
  const comments: { line: number; text: string }[] = [];
  let cursor = fenceIndex - 1;
  // Collect the comments stacked right above the fence, bottom up.
  while (cursor >= 0 && lines[cursor]!.trimEnd().endsWith('-->')) {
    let start = cursor;
    while (start >= 0 && !lines[start]!.includes('<!--')) start -= 1;
    if (start < 0) break;
    const text = lines.slice(start, cursor + 1).join('\n');
    const inner = /^\s*<!--([\s\S]*)-->\s*$/.exec(text);
    if (inner === null) break;
    comments.unshift({ line: start + 1, text: inner[1]!.trim() });
    cursor = start - 1;
  }

  const result: Pick<Block, 'preambles' | 'file' | 'skip' | 'problems'> = { preambles: [], file: undefined, skip: undefined, problems: [] };
  for (const { line, text } of comments) {
    if (!text.startsWith('ts-')) continue;
    const directive = /^(ts-[a-z-]+)\s*:\s*([\s\S]*)$/.exec(text);
    const name = directive?.[1];
    const value = directive?.[2]?.trim() ?? '';
    if (name === 'ts-preamble' && value !== '') {
      result.preambles.push({ line, code: value });
    } else if (name === 'ts-file' && /^[\w.@/-]+\.tsx?$/.test(value) && !value.startsWith('/')) {
      if (result.file !== undefined) result.problems.push(`line ${line}: a second ts-file directive`);
      result.file = value;
    } else if (name === 'ts-check' && /^skip\b/.test(value)) {
      const reason = /^skip\s*\((.*\S.*)\)$/.exec(value)?.[1]?.trim();
      if (reason === undefined) result.problems.push(`line ${line}: ts-check: skip needs a reason in parentheses, e.g. "skip (shell session)"`);
      else result.skip = reason;
    } else {
      result.problems.push(
        `line ${line}: unknown or malformed directive "${text.split('\n')[0]}" (known: ts-preamble: <code>, ts-file: <relative .ts path>, ts-check: skip (<reason>))`,
      );
    }
  }
  return result;
}
