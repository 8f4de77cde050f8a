/**
 * Type-checks Markdown TypeScript blocks with one TypeScript program over all of them.
 *
 * Each block becomes a virtual module (its preambles, then its code), placed in `resolveFrom` so
 * that bare imports resolve through that directory's node_modules: this package lists the built
 * workspace packages and the frameworks the READMEs use. A block with `ts-file` is placed at that
 * path instead, so its relative imports and its package's dependencies resolve as in a real file
 * there. Diagnostics are reported with the Markdown file's line numbers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { extractBlocks, type Block } from './extract.js';

export interface MarkdownFile {
  /** Path relative to the repository root, with `/` separators. */
  path: string;
  text: string;
}

export interface BlockResult {
  /** `<file>:<fence line>`, the test's name. */
  name: string;
  file: string;
  block: Block;
  /** `<file>:<line>:<column> TS<code>: <message>`, empty when the block compiles. */
  diagnostics: string[];
}

export interface CheckResult {
  blocks: BlockResult[];
  /** Problems with the compiler options themselves, not tied to a block. */
  global: string[];
}

export interface CheckOptions {
  /** The repository root: Markdown paths are relative to it. */
  root: string;
  /** Where blocks without `ts-file` are placed, for module resolution. */
  resolveFrom: string;
  /** The tsconfig whose compiler options the blocks get. @default `<root>/tsconfig.base.json` */
  tsconfig?: string;
}

// Directories never searched for Markdown: installed, generated or tool-owned content.
const ignoredDirectories = new Set(['node_modules', 'dist', '.git', '.turbo', 'coverage']);

/** Every `.md` file under `root` (sorted), skipping dependencies and build output. */
export function findMarkdownFiles(root: string): MarkdownFile[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!ignoredDirectories.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.isFile() && entry.name.endsWith('.md')) {
        found.push(join(dir, entry.name));
      }
    }
  };
  walk(root);
  return found
    .map((file) => relative(root, file).split(sep).join('/'))
    .sort()
    .map((path) => ({ path, text: readFileSync(join(root, path), 'utf8') }));
}

export function compilerOptions(tsconfig: string): ts.CompilerOptions {
  const read = ts.readConfigFile(tsconfig, (path) => ts.sys.readFile(path));
  if (read.error !== undefined) throw new Error(`cannot read ${tsconfig}: ${ts.flattenDiagnosticMessageText(read.error.messageText, '\n')}`);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(tsconfig), undefined, tsconfig);
  // Type roots and `types` resolve from where the blocks are placed (the host's current
  // directory), not from the directory of the tsconfig.
  const { typeRoots: _typeRoots, configFilePath: _configFilePath, ...options } = parsed.options;
  return {
    ...options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    types: ['node'],
    // The Nest blocks use legacy decorators with metadata, as Nest applications do.
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    jsx: ts.JsxEmit.Preserve,
  };
}

interface Virtual {
  result: BlockResult;
  fileName: string;
  text: string;
  /** Lines taken by the preambles, each with the Markdown line of its comment. */
  preambleLines: number[];
}

export function checkBlocks(files: MarkdownFile[], options: CheckOptions): CheckResult {
  const root = resolve(options.root);
  const resolveFrom = resolve(options.resolveFrom);
  const virtuals = new Map<string, Virtual>();
  const results: BlockResult[] = [];

  for (const file of files) {
    for (const block of extractBlocks(file.text)) {
      const result: BlockResult = { name: `${file.path}:${block.fenceLine}`, file: file.path, block, diagnostics: [] };
      results.push(result);
      if (block.problems.length > 0) {
        result.diagnostics.push(...block.problems.map((problem) => `${file.path}: ${problem}`));
        continue;
      }
      if (block.skip !== undefined) continue;

      const fileName =
        block.file === undefined
          ? join(resolveFrom, '.readme-blocks', `${file.path.replaceAll('/', '__')}.${block.fenceLine}.${block.extension}`)
          : resolve(root, dirname(file.path), block.file);
      if (!fileName.startsWith(root + sep)) {
        result.diagnostics.push(`${file.path}:${block.fenceLine}: ts-file must stay inside the repository`);
        continue;
      }
      if (virtuals.has(fileName)) {
        result.diagnostics.push(`${file.path}:${block.fenceLine}: another block is already checked as ${relative(root, fileName)}`);
        continue;
      }
      const preambleLines: number[] = [];
      for (const preamble of block.preambles) {
        for (const _ of preamble.code.split('\n')) preambleLines.push(preamble.line);
      }
      const parts = [...block.preambles.map((p) => p.code), block.code, 'export {};', ''];
      virtuals.set(fileName, { result, fileName, text: parts.join('\n'), preambleLines });
    }
  }

  const compiler = compilerOptions(options.tsconfig ?? join(root, 'tsconfig.base.json'));
  const host = ts.createCompilerHost(compiler, true);
  const realGetSourceFile = host.getSourceFile.bind(host);
  const realFileExists = host.fileExists.bind(host);
  const realReadFile = host.readFile.bind(host);
  host.getCurrentDirectory = () => resolveFrom;
  host.fileExists = (name) => virtuals.has(resolve(name)) || realFileExists(name);
  host.readFile = (name) => virtuals.get(resolve(name))?.text ?? realReadFile(name);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const virtual = virtuals.get(resolve(name));
    if (virtual !== undefined) return ts.createSourceFile(name, virtual.text, languageVersion, true);
    return realGetSourceFile(name, languageVersion, onError, shouldCreate);
  };

  const program = ts.createProgram({ rootNames: [...virtuals.keys()], options: compiler, host });
  for (const virtual of virtuals.values()) {
    const source = program.getSourceFile(virtual.fileName);
    if (source === undefined) {
      virtual.result.diagnostics.push(`${virtual.result.name}: the block's file was not part of the program`);
      continue;
    }
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    for (const diagnostic of diagnostics) virtual.result.diagnostics.push(format(diagnostic, virtual));
  }
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map(
    (d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
  );
  return { blocks: results, global };
}

function format(diagnostic: ts.Diagnostic, virtual: Virtual): string {
  const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  const { file, block } = virtual.result;
  if (diagnostic.file === undefined || diagnostic.start === undefined) return `${file}:${block.fenceLine} ${message}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const preambleLine = virtual.preambleLines[line];
  if (preambleLine !== undefined) return `${file}:${preambleLine} (ts-preamble) ${message}`;
  const codeLine = line - virtual.preambleLines.length;
  const codeLines = block.code.split('\n').length;
  // The `export {}` appended to make every block a module has no Markdown line of its own.
  if (codeLine >= codeLines) return `${file}:${block.fenceLine} ${message}`;
  return `${file}:${block.firstLine + codeLine}:${character + 1} ${message}`;
}
