import { Args } from '@oclif/core';
import { InputError, SockmlCommand } from '../../lib/base-command.js';
import { journalPath, recoverCollectedCsv, RecoveryError } from '../../collect/journal-recovery.js';

export default class CollectRecover extends SockmlCommand {
  static summary = 'Finish a metrics CSV whose collect was killed: merge <out>.pending into it, without duplicates.';

  static description = `collect --slo keeps the rows still waiting for their label in <out>.pending. When collect ends
normally it appends them itself; after a crash or kill -9 they are only in the journal, and the newest
labelled rows may be in both files. This appends every journal row the CSV does not hold yet (by
timestamp and service; unlabelled, in time order), cuts a torn last line, and removes the journal. A
journal line that the CSV reader would refuse (torn, malformed) is dropped, counted and named (file:line).
collect refuses to start on a file whose journal is still there, so nothing is overwritten first.

Exit codes: 0 recovered, 2 nothing to recover or not a collect CSV.`;

  static examples = ['<%= config.bin %> collect recover metrics.csv'];

  static enableJsonFlag = true;

  static args = { csv: Args.string({ description: 'the metrics CSV collect was writing (--out)', required: true }) };

  async run() {
    const { args } = await this.parse(CollectRecover);
    let r;
    try {
      r = recoverCollectedCsv(args.csv);
    } catch (e) {
      if (e instanceof RecoveryError) throw new InputError(e.message);
      throw e;
    }
    this.log(
      `recovered ${args.csv}: ${r.kept} rows kept, ${r.appended} appended from ${journalPath(args.csv)} (unlabelled), ${r.duplicates} already present` +
        (r.tornBytes > 0 ? `, a torn last line of ${r.tornBytes} bytes cut` : '') +
        (r.invalid > 0 ? `, ${r.invalid} malformed journal line${r.invalid === 1 ? '' : 's'} dropped` : ''),
    );
    // One line each (oclif's warnings wrap long lines, which would split file:line from its reason).
    for (const example of r.invalidExamples) process.stderr.write(`sockml collect recover: warning: dropped ${example}\n`);
    return { csv: args.csv, ...r };
  }
}
