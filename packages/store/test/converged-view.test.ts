import test from 'ava';
import { ConvergedView } from '../src/converged-view.js';

test('replace reports added, removed and changed entries, and nothing for an equal view', (t) => {
  const v = new ConvergedView<{ id: string; n: number }>((a, b) => a.n === b.n);
  const a1 = { id: 'a', n: 1 };
  const b1 = { id: 'b', n: 1 };
  t.deepEqual(
    v.replace(
      new Map([
        ['a', a1],
        ['b', b1],
      ]),
    ),
    { added: [a1, b1], removed: [], changed: [] },
  );
  const a2 = { id: 'a', n: 2 };
  const c1 = { id: 'c', n: 1 };
  t.deepEqual(
    v.replace(
      new Map([
        ['a', a2],
        ['c', c1],
      ]),
    ),
    { added: [c1], removed: [b1], changed: [[a1, a2]] },
  );
  t.is(
    v.replace(
      new Map([
        ['a', { id: 'a', n: 2 }],
        ['c', c1],
      ]),
    ),
    undefined,
    'equal by `same`',
  );
  t.is(v.size, 2);
  t.is(v.get('c'), c1);
});

test('patch changes only the keys it is given, with the same diff replace would give', (t) => {
  const v = new ConvergedView<string>();
  t.deepEqual(
    v.patch([
      ['a', 'x'],
      ['b', 'y'],
    ]),
    { added: ['x', 'y'], removed: [], changed: [] },
  );
  t.deepEqual(
    v.patch([
      ['a', undefined],
      ['b', 'z'],
      ['c', undefined],
    ]),
    {
      added: [],
      removed: ['x'],
      changed: [['y', 'z']],
    },
  );
  t.is(v.patch([['b', 'z']]), undefined, 'the same entry again is no change');
  t.deepEqual([...v.values()], ['z']);
});
