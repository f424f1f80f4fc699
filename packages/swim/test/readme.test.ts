import test from 'ava';
import { readFileSync } from 'node:fs';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

test('the README example is test/readme/example.ts, verbatim', (t) => {
  const readme = read('../../README.md');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  t.is(block, read('../../test/readme/example.ts'));
});

test('the README example runs and prints what it says', async (t) => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) =>
    lines.push(parts.map((p) => JSON.stringify(p) ?? String(p)).join(' '));
  try {
    await import('./readme/example.js');
  } finally {
    console.log = log;
  }
  t.deepEqual(lines, [
    '"a joined through nobody: a new cluster"',
    '"b joined through a:1"',
    '"kv.get:" {"t":"kv.value","v":42} undefined',
    '"members: a 2, b 2"',
  ]);
});
