/**
 * Spreads lab runs over worker threads: runs are independent, so N threads run N at a time. Results come
 * back in completion order (each names its job); the files they become do not depend on that order.
 */
import { Worker } from 'node:worker_threads';
import type { LabJob, LabJobResult } from './lab-job.js';

export async function runLabJobs(jobs: readonly LabJob[], threads: number, onResult: (r: LabJobResult) => Promise<void> | void, signal?: AbortSignal): Promise<void> {
  const queue = [...jobs];
  const workers = Array.from({ length: Math.max(1, Math.min(threads, jobs.length)) }, () => new Worker(new URL('./lab-worker.js', import.meta.url)));
  let failure: Error | undefined;
  try {
    await Promise.all(
      workers.map(async (w) => {
        for (let job = queue.shift(); job && !failure && !signal?.aborted; job = queue.shift()) {
          const answer = await new Promise<{ ok: true; result: LabJobResult } | { ok: false; index: number; error: string }>((resolve, reject) => {
            const onError = (e: Error) => reject(e);
            w.once('error', onError);
            w.once('message', (m) => {
              w.off('error', onError);
              resolve(m);
            });
            w.postMessage(job);
          });
          if (!answer.ok) {
            failure ??= new Error(`run ${jobs[answer.index].condition} ${jobs[answer.index].runId}: ${answer.error}`);
            break;
          }
          await onResult(answer.result);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failure) throw failure;
}
