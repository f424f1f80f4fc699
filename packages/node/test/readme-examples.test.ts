import test from 'ava';
import { readFileSync } from 'node:fs';

/**
 * The README examples of @trellis/node, @trellis/kv, @trellis/routes and @trellis/tasks are the
 * files in test/readme (README blocks marked `<!-- example: test/readme/<file>.ts -->`), kept
 * verbatim, and each runs here against real sockets on loopback and prints what it says.
 */
const at = (path: string) => new URL(path, import.meta.url);
const read = (path: string) => readFileSync(at(path), 'utf8');

function block(readme: string, file: string): string | undefined {
  // The node README names it from its own folder, kv, routes and tasks from theirs.
  const marker = new RegExp(`<!-- example: (?:\\.\\./node/)?test/readme/${file.replace('.', '\\.')} -->`);
  const start = marker.exec(readme)?.index;
  if (start === undefined) return undefined;
  return /```ts\n([\s\S]*?)```/.exec(readme.slice(start))?.[1];
}

async function run(file: string): Promise<unknown[][]> {
  const lines: unknown[][] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => lines.push(parts);
  try {
    await import(`./readme/${file.replace(/\.ts$/, '.js')}`);
  } finally {
    console.log = log;
  }
  return lines;
}

const examples = [
  ['node-example.ts', '../../README.md'],
  ['kv-example.ts', '../../../kv/README.md'],
  ['routes-example.ts', '../../../routes/README.md'],
  ['tasks-example.ts', '../../../tasks/README.md'],
  ['sim-example.ts', '../../README.md'],
] as const;

for (const [file, readme] of examples) {
  test(`${readme.replace(/^[./]+/, '')} shows test/readme/${file} verbatim`, (t) => {
    t.is(block(read(readme), file), read(`../../test/readme/${file}`));
  });
}

test.serial('the node example joins, broadcasts, sends and shares a kv table', async (t) => {
  const lines = await run('node-example.ts');
  t.deepEqual(lines, [
    ['members of b:', ['a', 'b']],
    ['a heard', { topic: 'deploy', payload: { version: 7 }, from: 'b', direct: false }],
    ['a reads', [{ key: 'cpus', value: 8, owner: 'b' }]],
  ]);
});

test.serial('the kv example shows an owned and a shared table', async (t) => {
  const lines = await run('kv-example.ts');
  t.deepEqual(lines, [
    [
      [
        { key: 'rack', value: 'r1', owner: 'a' },
        { key: 'rack', value: 'r2', owner: 'b' },
      ],
    ],
    ['r2'],
    [[{ key: 'node', value: 'b', owner: 'b' }]],
  ]);
});

test.serial('the routes example routes each agent to the other', async (t) => {
  const lines = await run('routes-example.ts');
  t.deepEqual(lines, [
    ['route to', 'a', 'via', '192.168.0.10'],
    ['b routes to', ['a']],
    ['a holds a /24:', true],
  ]);
});

test.serial('the tasks example publishes a task every agent sees', async (t) => {
  const lines = await run('tasks-example.ts');
  t.like(lines[0]?.[0], [
    { id: 'web.7f3a', name: 'web', agent: 'b', networks: [{ name: 'dcos', ipv4: '9.0.3.2' }] },
  ]);
  t.is(lines.length, 1);
});

test.serial('the simulator example detects a crash on a five-node cluster', async (t) => {
  t.deepEqual(await run('sim-example.ts'), [
    ['alive everywhere:', ['n0', 'n1', 'n2', 'n3', 'n4']],
    ['n3 dead everywhere after', 2980, 'virtual ms'],
  ]);
});
