#!/usr/bin/env node
// What replay's training-data check costs: replay hashes every recording (sha256) as it streams, to warn
// when one is the models' training data. The same replay, end to end, with the bundled models and with a
// copy whose cards list no training files (so nothing is hashed), alternated, median of --repeat each.
//
//   node bench/replay-digest-bench.mjs [--rows 1000000] [--repeat 3]
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildInput, endToEnd, OUT, ROOT } from './replay-input.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => Number(args[args.indexOf(name) + 1] || fallback) || fallback;
const rows = flag('--rows', 1_000_000);
const repeat = flag('--repeat', 3);
mkdirSync(OUT, { recursive: true });

const hashed = join(ROOT, 'models');
const unhashed = join(OUT, 'models-without-training-files');
rmSync(unhashed, { recursive: true, force: true });
cpSync(hashed, unhashed, { recursive: true });
for (const f of readdirSync(unhashed).filter((f) => f.endsWith('.card.json'))) {
  const card = JSON.parse(readFileSync(join(unhashed, f), 'utf8'));
  delete card.training.files;
  writeFileSync(join(unhashed, f), JSON.stringify(card, null, 2));
}

const input = await buildInput(rows);
const runs = { hashed: [], unhashed: [] };
for (let i = 0; i < repeat; i++) {
  // Alternated, so a drift of the machine over the benchmark falls on both alike.
  for (const which of i % 2 === 0 ? ['hashed', 'unhashed'] : ['unhashed', 'hashed']) runs[which].push(endToEnd(input, which === 'hashed' ? hashed : unhashed));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const row = (name, rs) => {
  const s = median(rs.map((r) => r.seconds));
  return `| ${name} | ${rs[0].rows.toLocaleString('en')} | ${s.toFixed(2)} | ${Math.round(rs[0].rows / s).toLocaleString('en')} | ${Math.round(median(rs.map((r) => r.peakRssMb)))} |`;
};
console.log(`replay end to end, median of ${repeat} (alternated), ${input}\n`);
console.log('| models | rows | seconds | rows/s | peak RSS MB |');
console.log('|---|---:|---:|---:|---:|');
console.log(row('bundled (cards list training files: every input hashed)', runs.hashed));
console.log(row('the same, cards without training files (nothing hashed)', runs.unhashed));
const cost = median(runs.hashed.map((r) => r.seconds)) / median(runs.unhashed.map((r) => r.seconds)) - 1;
console.log(`\nthe check costs ${(cost * 100).toFixed(1)} % of the replay's time`);
