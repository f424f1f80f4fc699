import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig } from '@trellis/vxlan-agent';
import { blockProblems, documentationFiles, fencedBlocks, type CheckContext } from './helpers/doc-blocks.js';
import { repoRoot } from './helpers/packed-install.js';

/**
 * Every fenced block of every README.md and docs/*.md either runs (an example file a test
 * runs, or an agent config the agent parses), is a command or output, or says it is a sketch.
 */
const ctx: CheckContext = { repoRoot, parseAgentConfig };

test('every code block in the READMEs and docs/ is run, parsed, a command, or marked a sketch', (t) => {
  const files = documentationFiles(repoRoot);
  t.true(files.includes(join(repoRoot, 'README.md')) && files.includes(join(repoRoot, 'docs/operations.md')));
  const problems = files.flatMap((f) => blockProblems(f, readFileSync(f, 'utf8'), ctx));
  t.deepEqual(problems, []);
});

// The checker itself, on made-up pages: each kind of block it must refuse.
const page = join(repoRoot, 'packages/node/README.md');
const check = (markdown: string) => blockProblems(page, markdown, ctx);
const node = readFileSync(join(repoRoot, 'packages/node/test/readme/node-example.ts'), 'utf8');

test('an unmarked ts block fails, and so does an unmarked js one', (t) => {
  t.regex(check('Text\n\n```ts\nconst x = 1;\n```\n').join(), /README\.md:3: a ts block needs <!-- example/);
  t.is(check('```js\nx()\n```\n').length, 1);
});

test('an example marker needs the file, verbatim, and a test that names it', (t) => {
  const marked = (path: string, body: string) => `<!-- example: ${path} -->\n\n\`\`\`ts\n${body}\`\`\`\n`;
  t.deepEqual(check(marked('test/readme/node-example.ts', node)), []);
  t.regex(check(marked('test/readme/node-example.ts', `${node}// edited\n`)).join(), /not .* verbatim/);
  t.regex(check(marked('test/readme/missing.ts', node)).join(), /does not exist/);
  const index = readFileSync(join(repoRoot, 'packages/node/src/index.ts'), 'utf8');
  t.regex(check(marked('src/index.ts', index)).join(), /must be in a test directory's readme\/ folder/);
});

test('an example in a readme/ folder that no test beside it names is not run', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-doc-blocks-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'test/readme'), { recursive: true });
  writeFileSync(join(dir, 'test/readme/orphan.ts'), 'run();\n');
  const readme = join(dir, 'README.md');
  const markdown = '<!-- example: test/readme/orphan.ts -->\n```ts\nrun();\n```\n';
  t.regex(blockProblems(readme, markdown, ctx).join(), /none runs it/);
  writeFileSync(join(dir, 'test/orphan.test.ts'), "await import('./readme/orphan.js');\n");
  t.deepEqual(blockProblems(readme, markdown, ctx), []);
});

test('a sketch marker, shell commands and output pass as they are', (t) => {
  t.deepEqual(check('<!-- sketch -->\n```ts\nanything(\n```\n'), []);
  t.deepEqual(check('<!-- sketch: a shape -->\n```json\n{ "a": ... }\n```\n'), []);
  t.deepEqual(check('```sh\nnpm test\n```\n\n```\nsome output\n```\n'), []);
});

test('a json block must be an agent config the agent accepts', (t) => {
  const config = {
    nodeId: 'a',
    plaintext: true,
    identity: 'none',
    underlay: { ip: '10.0.0.1' },
    overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
  };
  t.deepEqual(check(`\`\`\`json\n${JSON.stringify(config)}\n\`\`\`\n`), []);
  t.regex(check('```json\n{ "nodeId": "a" }\n```\n').join(), /must be an agent config/);
  t.regex(check('```json\n{ "nodeId": \n```\n').join(), /must be an agent config/);
  t.regex(check('```yaml\na: 1\n```\n').join(), /a yaml block must be marked/);
});

test('fences: the marker is the nearest non-blank line, and ~~~ and longer fences close right', (t) => {
  const blocks = fencedBlocks('<!-- sketch -->\n\n````md\n```ts\ninner\n```\n````\ntext\n~~~ts\nx\n~~~\n');
  t.deepEqual(
    blocks.map((b) => [b.line, b.lang, b.marker]),
    [
      [3, 'md', '<!-- sketch -->'],
      [9, 'ts', undefined],
    ],
  );
  t.is(blocks[0]?.body, '```ts\ninner\n```\n');
});
