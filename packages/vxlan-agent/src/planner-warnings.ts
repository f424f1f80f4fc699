import { silentLogger, type Logger } from '@trellis/runtime';
import type { RemoteSkipReason, RemoteSkipped } from './planner/desired-state.js';

const collisionRaised = 'address collision: remote route skipped';
const collisionCleared = 'collision resolved';
const otherOverlayRaised = 'remote route of another overlay skipped';
const otherOverlayCleared = 'remote route of another overlay gone';
const familyRaised = 'remote route skipped: its underlay is of the other IP family than ours';
const familyCleared = 'remote route of the other underlay family gone';

function raisedMessage(reason: RemoteSkipReason): string {
  if (reason === 'otherOverlay') return otherOverlayRaised;
  return reason === 'underlayFamilyMismatch' ? familyRaised : collisionRaised;
}

function clearedMessage(reason: RemoteSkipReason): string {
  if (reason === 'otherOverlay') return otherOverlayCleared;
  return reason === 'underlayFamilyMismatch' ? familyCleared : collisionCleared;
}

/** What the planner reports besides the desired state (only skipped remotes, so far). */
export type PlannerWarning = RemoteSkipped;

/** Per warning type and reason: how many are in force now, and how many were ever raised. */
export interface PlannerWarningCount {
  readonly type: PlannerWarning['type'];
  readonly reason: RemoteSkipReason;
  readonly inForce: number;
  readonly raised: number;
}

export interface PlannerWarningChanges {
  readonly raised: readonly PlannerWarning[];
  readonly cleared: readonly PlannerWarning[];
}

/**
 * The planner's warnings in force, logged when they change. The planner runs on every table
 * change and every periodic resync and reports every collision each time; logging each report
 * would repeat one collision every pass for as long as it lasts, so only a warning that was
 * not in force on the previous pass is logged (and counted), and one that is gone is logged
 * once as resolved. A warning is the same one while every field of it is: a collision that
 * moves to another slice or another kept owner is a new one.
 */
export class PlannerWarnings {
  readonly #log: Logger;
  #inForce = new Map<string, PlannerWarning>();
  readonly #counts = new Map<
    string,
    { type: PlannerWarning['type']; reason: RemoteSkipReason; raised: number }
  >();

  constructor(logger: Logger = silentLogger) {
    this.#log = logger;
  }

  /** Takes the warnings of one planner pass: logs and counts what changed since the last. */
  update(warnings: readonly PlannerWarning[]): PlannerWarningChanges {
    const next = new Map(warnings.map((w) => [keyOf(w), w]));
    const raised = [...next].filter(([k]) => !this.#inForce.has(k)).map(([, w]) => w);
    const cleared = [...this.#inForce].filter(([k]) => !next.has(k)).map(([, w]) => w);
    this.#inForce = next;
    for (const w of raised) {
      const key = countKey(w);
      const c = this.#counts.get(key) ?? { type: w.type, reason: w.reason, raised: 0 };
      c.raised++;
      this.#counts.set(key, c);
      this.#log.warn(fieldsOf(w), raisedMessage(w.reason));
    }
    for (const w of cleared) this.#log.info(fieldsOf(w), clearedMessage(w.reason));
    return { raised, cleared };
  }

  /** The warnings of the last pass, in the planner's order. */
  inForce(): PlannerWarning[] {
    return [...this.#inForce.values()];
  }

  /** Every type and reason ever raised (so a cleared one reads 0 rather than vanishing). */
  counts(): PlannerWarningCount[] {
    const now = new Map<string, number>();
    for (const w of this.#inForce.values()) now.set(countKey(w), (now.get(countKey(w)) ?? 0) + 1);
    return [...this.#counts].map(([key, c]) => ({ ...c, inForce: now.get(key) ?? 0 }));
  }
}

function keyOf(w: PlannerWarning): string {
  return JSON.stringify([w.type, w.overlay, w.owner, w.slice, w.reason, w.keptOwner ?? null]);
}

function countKey(w: PlannerWarning): string {
  return `${w.type}/${w.reason}`;
}

function fieldsOf(w: PlannerWarning): object {
  return {
    warning: w.type,
    reason: w.reason,
    overlay: w.overlay,
    owner: w.owner,
    slice: w.slice,
    ...(w.keptOwner === undefined ? {} : { keptOwner: w.keptOwner }),
  };
}
