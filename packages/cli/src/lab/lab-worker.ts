/** A lab worker thread: runs the jobs it is sent, one at a time, and answers each with its result or error. */
import { parentPort } from 'node:worker_threads';
import { runLabJob, type LabJob } from './lab-job.js';

parentPort!.on('message', (job: LabJob) => {
  runLabJob(job).then(
    (result) => parentPort!.postMessage({ ok: true, result }),
    (e: Error) => parentPort!.postMessage({ ok: false, index: job.index, error: e.message }),
  );
});
