/**
 * With a `vtep.<overlay>.ip` override the VTEP carries the override, not the slice's VTEP
 * address: read back from the VTEP alone, a restart resumed (as settled, when no record of our
 * previous life reached us) a slice we never held. The bridge's gateway names the held slice;
 * without bridges an overridden overlay resumes nothing.
 */
import test from 'ava';
import { parseOverlays, toRouteEntry, vtepMac, type Overlay, type RouteWire } from '@trellis/routes';
import { desiredState } from '../src/planner/desired-state.js';
import { resumeSlices } from '../src/resume.js';

const [dcos, dcos6] = parseOverlays([
  { name: 'dcos', subnet: '9.0.0.0/8' },
  { name: 'dcos6', subnet6: 'fd01:b::/64', vni: 1025 },
]) as [Overlay, Overlay];

function kernelAfter(overlay: Overlay, slice: number, vi: string) {
  const r: RouteWire = {
    t: 'r',
    o: overlay.name,
    w: 'me',
    g: 1,
    v: 1,
    st: 1,
    c: 1,
    s: slice,
    u: '10.0.0.1',
    vi,
    vm: vtepMac(vi),
  };
  const local = toRouteEntry(overlay, r);
  return desiredState([{ overlay, local, remotes: [], underlayMtu: 1500, bridges: true }]).state;
}

test('a VTEP IP override does not make a restart resume another slice (IPv4, IPv6-only)', (t) => {
  // Slice 5 held, VTEP IP overridden to the address slice 8 would derive.
  t.deepEqual([...resumeSlices([dcos], kernelAfter(dcos, 5, '44.128.0.9'))], [['dcos', 5]]);
  t.deepEqual([...resumeSlices([dcos6], kernelAfter(dcos6, 5, 'fd01:a::9'))], [['dcos6', 5]]);
});

test('without bridges, an overridden overlay resumes nothing; one without override resumes from its VTEP', (t) => {
  const noBridges = (s: ReturnType<typeof kernelAfter>) => ({ ...s, bridges: [] });
  const overridden = new Set(['dcos']);
  t.deepEqual([...resumeSlices([dcos], noBridges(kernelAfter(dcos, 5, '44.128.0.9')), overridden)], []);
  t.deepEqual([...resumeSlices([dcos], noBridges(kernelAfter(dcos, 5, '44.128.0.6')))], [['dcos', 5]]);
  t.deepEqual([...resumeSlices([dcos6], noBridges(kernelAfter(dcos6, 5, 'fd01:a::6')))], [['dcos6', 5]]);
});
