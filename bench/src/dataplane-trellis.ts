/** The dataplane benchmark's trellis side: the executor in a worker process inside a namespace. */
import { execFile, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  checkCounts,
  createHost,
  destroy,
  kernelCounts,
  progress,
  vtep,
  type Counts,
} from './dataplane-hosts.js';
import type { WorkerInput, WorkerOutput } from './dataplane-worker.js';

const workerPath = fileURLToPath(new URL('./dataplane-worker.js', import.meta.url));
/** The worker running inside a namespace, killed on SIGINT/SIGTERM. */
let worker: ChildProcess | undefined;

export function killWorker(): void {
  if (worker !== undefined && worker.exitCode === null) worker.kill('SIGKILL');
}

function runWorker(ns: string, input: WorkerInput): Promise<WorkerOutput> {
  return new Promise((resolve, reject) => {
    worker = execFile(
      'ip',
      ['netns', 'exec', ns, process.execPath, workerPath, JSON.stringify(input)],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        let out: (WorkerOutput & { error?: string }) | undefined;
        try {
          out = JSON.parse(stdout.trim()) as WorkerOutput & { error?: string };
        } catch {
          out = undefined;
        }
        if (out?.error !== undefined) reject(new Error(`worker: ${out.error}`));
        else if (error !== null || out === undefined)
          reject(new Error(`worker failed: ${stderr || (error?.message ?? 'no output')}`));
        else resolve(out);
      },
    );
  });
}

export interface TrellisRun {
  readonly out: WorkerOutput;
  readonly kernel: Counts;
  readonly verified: boolean;
}

export async function trellisRun(n: number): Promise<TrellisRun> {
  const ns = createHost();
  try {
    progress(`N=${n}: trellis executor in ${ns}`);
    const out = await runWorker(ns, { n, vtep });
    if (out.errors > 0 || out.skipped > 0) {
      progress(
        `N=${n}: executor reported ${out.errors} errors, ${out.skipped} skipped: ${out.firstError ?? ''}`,
      );
    }
    const kernel = kernelCounts(ns);
    const verified = checkCounts(`N=${n} trellis`, kernel, n) && out.ops === 3 * n && out.errors === 0;
    return { out, kernel, verified };
  } finally {
    destroy(ns);
  }
}
