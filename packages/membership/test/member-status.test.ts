import test from 'ava';
import { isMemberStatus, isTombstone, memberStatuses, statusRank } from '../src/index.js';

test('the status lattice is alive < suspect < dead < left', (t) => {
  t.deepEqual(memberStatuses, ['alive', 'suspect', 'dead', 'left']);
  t.deepEqual(
    memberStatuses.map((s) => statusRank(s)),
    [0, 1, 2, 3],
  );
  t.true(Object.isFrozen(memberStatuses));
});

test('status guards', (t) => {
  t.true(isMemberStatus('left'));
  t.false(isMemberStatus('zombie'));
  t.false(isMemberStatus(0));
  t.deepEqual(memberStatuses.filter(isTombstone), ['dead', 'left']);
});
