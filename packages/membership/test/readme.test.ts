import test from 'ava';
import { readFileSync } from 'node:fs';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

test('the README example is test/readme/example.ts, verbatim', (t) => {
  const block = /<!-- example: test\/readme\/example\.ts -->\n\n```ts\n([\s\S]*?)```/.exec(
    read('../../README.md'),
  );
  t.is(block?.[1], read('../../test/readme/example.ts'));
});

test('the README example refutes a suspicion and ends with equal digests', async (t) => {
  const lines: unknown[][] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts);
  try {
    await import('./readme/example.js');
  } finally {
    console.log = log;
  }
  t.deepEqual(lines, [['alive'], [true]]);
});
