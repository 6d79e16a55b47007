// Runs the sockml CLI in this process and reports its peak RSS on exit, so the benchmark measures
// the real command end to end (oclif start-up, CSV streaming, features, three models, voting, scoring).
import { run } from '@oclif/core';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const cliDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'cli');
process.on('exit', () => {
  process.stderr.write(`\nBENCH ${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`);
});
await run(process.argv.slice(2), join(cliDir, 'package.json'));
