import test from 'ava';
import { readFileSync } from 'node:fs';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

test('the README example is test/readme/example.ts, verbatim', (t) => {
  const readme = read('../../README.md');
  const block = /<!-- example: test\/readme\/example.ts -->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  t.is(block, read('../../test/readme/example.ts'));
});

test('the README example runs and prints what it says', async (t) => {
  const lines: unknown[][] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts);
  try {
    await import('./readme/example.js');
  } finally {
    console.log = log;
  }
  t.deepEqual(lines, [
    [[{ type: 'statusChanged', lines: ['me: deploying', 'peer: idle'] }]],
    [['me', 'peer']],
    [[{ type: 'statusChanged', lines: ['me: deploying'] }]],
  ]);
});
