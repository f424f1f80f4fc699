/**
 * The fenced code blocks of the repository's Markdown, and what each must be: a TypeScript or
 * JavaScript block is a file a test runs (`<!-- example: <path> -->` just before it, the file's
 * content equal to the block) or says it is not run (`<!-- sketch -->`); a JSON block is an agent
 * config the agent's parser accepts, or a sketch; shell blocks are commands and untagged or
 * `text` blocks are output, both allowed as they are; a block a test reads from the README and
 * checks says so (`<!-- checked: <test> -->`). Anything else must be marked a sketch.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface FencedBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly body: string;
  /** The nearest non-blank line before the fence, when it is an HTML comment. */
  readonly marker: string | undefined;
}

/** Blocks opened by ``` or ~~~ at the start of a line (up to three spaces of indent). */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const lines = markdown.split('\n');
  const blocks: FencedBlock[] = [];
  let previous: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]!);
    if (open === null) {
      if (lines[i]!.trim() !== '') previous = lines[i]!.trim();
      continue;
    }
    const fence = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^ {0,3}${fence[0]}{${fence.length},}\\s*$`).test(lines[j]!))
      body.push(lines[j++]!);
    const marker = previous?.startsWith('<!--') === true ? previous : undefined;
    blocks.push({ line: i + 1, lang: open[2]!.toLowerCase(), body: `${body.join('\n')}\n`, marker });
    previous = undefined;
    i = j;
  }
  return blocks;
}

const scriptLangs = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs', 'tsx']);
const shellLangs = new Set(['sh', 'bash', 'shell', 'console']);
const outputLangs = new Set(['', 'text']);

export interface CheckContext {
  readonly repoRoot: string;
  /** Throws when `value` is not a valid agent config (the agent's own parser). */
  readonly parseAgentConfig: (value: unknown) => unknown;
}

/** Every problem of one Markdown file's blocks, as `file:line: message`. */
export function blockProblems(file: string, markdown: string, ctx: CheckContext): string[] {
  const problems: string[] = [];
  for (const block of fencedBlocks(markdown)) {
    const where = `${relative(ctx.repoRoot, file)}:${block.line}`;
    const problem = problemOf(file, block, ctx);
    if (problem !== undefined) problems.push(`${where}: ${problem}`);
  }
  return problems;
}

function problemOf(file: string, block: FencedBlock, ctx: CheckContext): string | undefined {
  const sketch = block.marker !== undefined && /^<!--\s*sketch\b/.test(block.marker);
  if (shellLangs.has(block.lang) || outputLangs.has(block.lang)) return undefined;
  if (sketch) return undefined;
  const checked = checkedProblem(file, block);
  if (checked !== undefined) return checked.problem;
  if (scriptLangs.has(block.lang)) return exampleProblem(file, block, ctx);
  if (block.lang === 'json') {
    try {
      ctx.parseAgentConfig(JSON.parse(block.body));
      return undefined;
    } catch (error) {
      return `a json block must be an agent config (or marked <!-- sketch -->): ${(error as Error).message}`;
    }
  }
  return `a ${block.lang} block must be marked <!-- sketch -->`;
}

/**
 * `<!-- checked: <test file> -->`: a block that is not an example to run or an agent config (a
 * CNI conflist, say) but that a test reads from the README and checks against the code.
 */
function checkedProblem(file: string, block: FencedBlock): { problem: string | undefined } | undefined {
  const path = /^<!--\s*checked:\s*(\S+)\s*-->$/.exec(block.marker ?? '')?.[1];
  if (path === undefined) return undefined;
  const test = resolve(dirname(file), path);
  if (!existsSync(test)) return { problem: `${path} does not exist` };
  if (!readFileSync(test, 'utf8').includes('README.md'))
    return { problem: `${path} does not read the README` };
  return { problem: undefined };
}

function exampleProblem(file: string, block: FencedBlock, ctx: CheckContext): string | undefined {
  const path = /^<!--\s*example:\s*(\S+)\s*-->$/.exec(block.marker ?? '')?.[1];
  if (path === undefined)
    return `a ${block.lang} block needs <!-- example: <file a test runs> --> or <!-- sketch --> just before it`;
  const example = resolve(dirname(file), path);
  if (!existsSync(example)) return `${path} does not exist`;
  if (readFileSync(example, 'utf8') !== block.body) return `the block is not ${path} verbatim`;
  // Examples live in a test directory's readme/ folder, run by a test beside that folder.
  const folder = dirname(example);
  if (!folder.endsWith('/readme') || !/\/test(\/|$)/.test(folder))
    return `${path} must be in a test directory's readme/ folder, where a test runs it`;
  const name = example.slice(example.lastIndexOf('/') + 1).replace(/\.[cm]?[jt]s$/, '');
  const mention = new RegExp(`(^|[^\\w-])${name.replace(/[.-]/g, '\\$&')}\\.[jt]s\\b`);
  const runners = filesUnder(dirname(folder), (f) => f.endsWith('.test.ts')).filter((t) =>
    mention.test(readFileSync(t, 'utf8')),
  );
  if (runners.length === 0)
    return `no test in ${relative(ctx.repoRoot, dirname(folder))} names ${name}.ts or ${name}.js (none runs it)`;
  return undefined;
}

const skipped = new Set(['node_modules', 'dist', '.git']);

/** Files under `dir` whose name matches, skipping dependencies and build output. */
export function filesUnder(dir: string, match: (name: string) => boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skipped.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path, match));
    else if (entry.isFile() && match(entry.name)) found.push(path);
  }
  return found;
}

/** Every README.md of the repository and every page under docs/. */
export function documentationFiles(repoRoot: string): string[] {
  const readmes = filesUnder(repoRoot, (name) => name === 'README.md');
  const docs = filesUnder(join(repoRoot, 'docs'), (name) => name.endsWith('.md'));
  return [...readmes, ...docs].sort();
}
