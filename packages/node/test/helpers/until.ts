import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` every 25 ms until it holds or `timeoutMs` passes; the last answer. */
export async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(25);
  }
  return check();
}
