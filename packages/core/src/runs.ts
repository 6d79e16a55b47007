import { basename, relative, sep } from 'node:path';

export const LOAD_PATTERNS = ['constant', 'ramp', 'spike', 'step', 'mixed'] as const;

/**
 * Names a recording: its run id is its path (relative to `root` when given), and its load pattern is
 * the first path segment or file-name part that names one (`runs/step/run_3.csv` → step,
 * `mixed-4h.csv` → mixed), else 'unknown'.
 */
export function describeRecording(path: string, root?: string): { runId: string; pattern: string } {
  const rel = root ? relative(root, path) : path;
  const runId = rel.split(sep).join('/');
  const parts = runId.split('/').flatMap((p) => p.replace(/\.csv$/i, '').split(/[-_.]/));
  const pattern = parts.find((p) => (LOAD_PATTERNS as readonly string[]).includes(p.toLowerCase()))?.toLowerCase() ?? 'unknown';
  return { runId: runId || basename(path), pattern };
}
