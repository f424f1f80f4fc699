/**
 * Plain-text rendering of the member tables: one row per node, one status letter per member,
 * then its alive/suspect/dead counts. No ANSI codes, so the output reads the same in a log.
 */
import type { View } from './cluster.js';
import type { Status } from './worker-message.js';

const letters: Readonly<Record<Status, string>> = { alive: 'A', suspect: 'S', dead: 'D', left: 'L' };

export const legend = 'A alive, S suspect, D dead, L left, . unknown';

/** Renders `ids` x `ids`; `viewOf` returns undefined for a node that is not running. */
export function renderMatrix(ids: readonly string[], viewOf: (id: string) => View | undefined): string {
  const width = Math.max(...ids.map((id) => id.length), 4);
  const sep = ids.length <= 16 ? ' ' : '';
  // Column headers are the last digit of each node's index: row order is the same.
  const columns = ids.map((_, i) => String(i % 10));
  const lines = [`  ${'node'.padEnd(width)}  ${columns.join(sep)}   alive suspect dead`];
  for (const observer of ids) {
    const view = viewOf(observer);
    if (view === undefined) {
      lines.push(`  ${observer.padEnd(width)}  (not running)`);
      continue;
    }
    const counts = { alive: 0, suspect: 0, dead: 0, left: 0 };
    for (const m of view.values()) counts[m.status]++;
    const cells = ids.map((id) => {
      const status = view.get(id)?.status;
      return status === undefined ? '.' : letters[status];
    });
    const tail = `${pad(counts.alive, 5)} ${pad(counts.suspect, 7)} ${pad(counts.dead + counts.left, 4)}`;
    lines.push(`  ${observer.padEnd(width)}  ${cells.join(sep)}   ${tail}`);
  }
  return lines.join('\n');
}

function pad(n: number, width: number): string {
  return String(n).padStart(width);
}

/** `1234` -> `"  1234 ms"`, for aligned timelines. */
export function ms(n: number, width = 6): string {
  return `${String(Math.round(n)).padStart(width)} ms`;
}
