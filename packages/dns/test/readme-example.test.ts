import test from 'ava';
import { readFileSync } from 'node:fs';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

test('the README example is test/readme/example.ts, verbatim', (t) => {
  const block = /<!-- example: test\/readme\/example\.ts -->\n\n```ts\n([\s\S]*?)```/.exec(
    read('../../README.md'),
  );
  t.is(block?.[1], read('../../test/readme/example.ts'));
});

test('the README example serves what its comments say', async (t) => {
  const lines: unknown[][] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts);
  try {
    await import('./readme/example.js');
  } finally {
    console.log = log;
  }
  t.deepEqual(lines, [[['9.0.1.2']], [['10.0.0.1']], [{ answer: 2, nodata: 0, nxdomain: 0 }]]);
});
