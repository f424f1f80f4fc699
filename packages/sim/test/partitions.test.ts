import test from 'ava';
import { Partitions } from '../src/partitions.js';

test('a two-way partition blocks both directions, one-way only a -> b', (t) => {
  const p = new Partitions();
  t.false(p.active);
  p.add(['a'], ['b'], false);
  t.true(p.blocked('a', 'b') && p.blocked('b', 'a'));
  t.false(p.blocked('a', 'c'));
  const q = new Partitions();
  q.add(['a'], ['b'], true);
  t.true(q.blocked('a', 'b'));
  t.false(q.blocked('b', 'a'));
});

test('repair with two groups heals exactly those pairs', (t) => {
  const p = new Partitions();
  p.add(['a', 'b'], ['c', 'd'], false);
  p.repair(['a'], ['c']);
  t.false(p.blocked('a', 'c'));
  t.false(p.blocked('c', 'a'));
  t.true(p.blocked('a', 'd') && p.blocked('b', 'c') && p.blocked('d', 'b') && p.blocked('c', 'b'));
});

test('repair with one group heals it entirely; with none heals everything', (t) => {
  const p = new Partitions();
  p.add(['a', 'b'], ['c'], false);
  p.repair(['a']);
  t.false(p.blocked('a', 'c') || p.blocked('c', 'a'));
  t.true(p.blocked('b', 'c'));
  p.repair();
  t.false(p.active);
  t.false(p.blocked('b', 'c'));
});
