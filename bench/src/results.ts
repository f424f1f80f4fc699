/**
 * Benchmark results: one JSON object per line in `bench/results/<YYYY-MM-DD>.jsonl`, appended as
 * each run finishes, so a long run that is interrupted keeps what it measured. Charts and the
 * README table are rendered from these files, never from numbers typed by hand.
 */
import { appendFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `bench/results`, found from this compiled file (`bench/dist/src/results.js`). */
export const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'results');

/** Every result line has at least these; scenarios add their own fields. */
export interface ResultLine {
  readonly impl: string;
  readonly scenario: string;
  readonly [field: string]: unknown;
}

export function resultsFileFor(date: Date = new Date()): string {
  return join(resultsDir, `${date.toISOString().slice(0, 10)}.jsonl`);
}

/** Appends one line (with the time it was measured and the machine's load) to today's file. */
export function appendResult(line: ResultLine, file: string = resultsFileFor()): void {
  mkdirSync(dirname(file), { recursive: true });
  const stamped = { ...line, at: new Date().toISOString() };
  appendFileSync(file, `${JSON.stringify(stamped)}\n`);
}

/** Every line of one results file; lines that do not parse are skipped and counted. */
export function readResults(file: string): { lines: ResultLine[]; skipped: number } {
  const lines: ResultLine[] = [];
  let skipped = 0;
  for (const text of readFileSync(file, 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    try {
      const v = JSON.parse(text) as unknown;
      if (typeof v === 'object' && v !== null && 'impl' in v && 'scenario' in v) lines.push(v as ResultLine);
      else skipped++;
    } catch {
      skipped++;
    }
  }
  return { lines, skipped };
}

/** The newest results file, or undefined if there is none. */
export function latestResultsFile(): string | undefined {
  let names: string[];
  try {
    names = readdirSync(resultsDir).filter((n) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(n));
  } catch {
    return undefined;
  }
  names.sort();
  const last = names.at(-1);
  return last === undefined ? undefined : join(resultsDir, last);
}
