import type { ConfigProblems } from '@trellis/runtime';
import { overlaps, type Cidr } from './cidr.js';
import type { OverlayConfig } from './overlay.js';

/** What one overlay's check found, kept for the cross-overlay checks even when it has problems. */
export interface Checked {
  readonly path: string;
  readonly config: OverlayConfig;
  readonly net: Cidr | undefined;
  readonly net6: Cidr | undefined;
  readonly vtep: Cidr | undefined;
  readonly vtep6: Cidr | undefined;
}

/** Conflicts between overlays: names, VNIs, overlapping subnets, VTEP subnets colliding with any subnet. */
export function checkConflicts(problems: ConfigProblems, checked: readonly (Checked | undefined)[]): void {
  const present = checked.filter((c): c is Checked => c !== undefined);
  for (const [j, b] of present.entries()) {
    for (const a of present.slice(0, j)) {
      if (a.config.name !== '' && a.config.name === b.config.name) {
        problems.add(`${b.path}.name`, `duplicates ${a.path}.name (${JSON.stringify(a.config.name)})`);
      }
      if (typeof a.config.vni === 'number' && a.config.vni === b.config.vni) {
        problems.add(
          `${b.path}.vni`,
          `duplicates ${a.path}.vni (${a.config.vni}); each overlay needs its own VXLAN device`,
        );
      }
      if (a.net && b.net && overlaps(a.net, b.net)) {
        problems.add(`${b.path}.subnet`, `overlaps ${a.path}.subnet (${a.config.subnet})`);
      }
      if (a.net6 && b.net6 && overlaps(a.net6, b.net6)) {
        problems.add(`${b.path}.subnet6`, `overlaps ${a.path}.subnet6 (${String(a.config.subnet6)})`);
      }
      // Two VTEP devices with addresses from overlapping subnets would fight over the host route.
      if (a.vtep && b.vtep && overlaps(a.vtep, b.vtep)) {
        problems.add(
          `${b.path}.vtepSubnet`,
          `overlaps ${a.path}.vtepSubnet (${a.config.vtepSubnet}); give each overlay its own`,
        );
      }
      if (a.vtep6 && b.vtep6 && overlaps(a.vtep6, b.vtep6)) {
        problems.add(
          `${b.path}.vtepSubnet6`,
          `overlaps ${a.path}.vtepSubnet6 (${String(a.config.vtepSubnet6)}); give each overlay its own`,
        );
      }
    }
  }
  for (const v of present) {
    for (const o of present) {
      if (v !== o && v.vtep && o.net && overlaps(v.vtep, o.net)) {
        problems.add(`${v.path}.vtepSubnet`, `overlaps ${o.path}.subnet (${o.config.subnet})`);
      }
      if (v !== o && v.vtep6 && o.net6 && overlaps(v.vtep6, o.net6)) {
        problems.add(`${v.path}.vtepSubnet6`, `overlaps ${o.path}.subnet6 (${String(o.config.subnet6)})`);
      }
    }
  }
}
