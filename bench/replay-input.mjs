// What the replay benchmarks share: the long input recording and one end-to-end `sockml replay` timing.
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(ROOT, 'bench', 'out');

/**
 * One long recording: the GKE mixed-4h run in poll order (as `collect` writes it; the file itself is
 * sorted by service), repeated with its timestamps shifted past the previous copy, so every service's
 * polls stay in time order (one run, state carried through, as a long live run).
 */
export async function buildInput(rows) {
  const path = join(OUT, `replay-${rows}.csv`);
  if (existsSync(path)) return path;
  const src = readFileSync(join(ROOT, 'fixtures/sockshop-gke/mixed-4h.csv'), 'utf8').trim().split('\n');
  const header = src[0];
  const body = src
    .slice(1)
    .map((l) => {
      const i = l.indexOf(',');
      return [Date.parse(l.slice(0, i)), l.slice(i)];
    })
    .sort((a, b) => a[0] - b[0]);
  const span = body[body.length - 1][0] - body[0][0] + 30_000;
  const out = createWriteStream(path);
  out.write(header + '\n');
  let written = 0;
  for (let copy = 0; written < rows; copy++) {
    for (const [t, rest] of body) {
      if (written >= rows) break;
      if (!out.write(new Date(t + copy * span).toISOString() + rest + '\n')) await once(out, 'drain');
      written++;
    }
  }
  out.end();
  await once(out, 'finish');
  return path;
}

export function endToEnd(input, modelsDir) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bench/measure.mjs'), 'replay', input, '--models', modelsDir, '--json', '--no-progress'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`replay failed: ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  const { maxRssKb } = JSON.parse(r.stderr.split('BENCH ')[1]);
  return { rows: report.rows, seconds, rowsPerSecond: report.rows / seconds, peakRssMb: maxRssKb / 1024 };
}

