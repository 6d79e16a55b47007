import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { InputError } from '../lib/base-command.js';
import { outputTarget } from '../lib/output-file.js';
import { journalPath } from './journal-recovery.js';
import { WriterLock } from './writer-lock.js';
import { formatMetricsRow, metricsCsvHeader, PollLabeler, type CollectedPoll, type LabelDefinition, type MetricsSample, type PollSlot } from '@sockml/core';
import type { SampleSink } from './sample-sink.js';

/** A row waiting for its label, with the previous slot's sample of its service for the deltas. */
interface PendingRow {
  sample: MetricsSample;
  previous?: MetricsSample;
}

export interface CsvSampleSinkOptions {
  /** With a label definition, `sla_violated` holds the future-only label; without, it stays empty. */
  label?: LabelDefinition;
  /** Services labelled against their own SLO (ms) instead of the definition's (a config file's `slo`). */
  sloMsByService?: Readonly<Record<string, number>>;
}

/**
 * Writes polls as the recorder's 13-column CSV (schema.ts formats every row).
 *
 * With a label definition, a row is written once its lookahead has passed, with the PollLabeler's
 * future-only label in `sla_violated`; until then it waits in memory and in a journal beside the file
 * (`<out>.pending`, the same CSV rows with an empty label, replaced atomically after every poll). Each
 * poll's writes are fsynced before the next poll, so a crash loses nothing collected: the file plus the
 * journal hold every completed poll. `close` appends the rows still waiting, unlabelled, and removes
 * the journal.
 *
 * The file is this process's alone while it runs (WriterLock: a second collect on it is refused), and it
 * is created (replacing an earlier file) only by the first completed poll: a run that never completes one
 * (Prometheus down from the start) leaves an earlier recording as it was.
 *
 * Deltas are against the same service's sample in the immediately preceding slot, and empty after a
 * missing poll: a delta over two intervals is not the feature the models were trained on.
 */
export class CsvSampleSink implements SampleSink {
  private fd: number | undefined;
  private readonly lock: WriterLock | undefined;
  /** Where the rows go: the real file behind a symlink; a device or pipe (/dev/stdout) is written as it is. */
  private readonly target: ReturnType<typeof outputTarget>;
  private readonly labeler?: PollLabeler<PendingRow>;
  private readonly journal: string;
  private previousSlot = new Map<string, MetricsSample>();
  private lastSlot = -Infinity;
  private waiting: PendingRow[] = [];
  private closed = false;
  rowsWritten = 0;
  labelled = { positive: 0, negative: 0, unlabelled: 0 };

  constructor(
    readonly path: string,
    options: CsvSampleSinkOptions = {},
  ) {
    this.target = outputTarget(path);
    // Who is writing this file: another collect, and `collect recover`, refuse while this process lives.
    this.lock = this.target.direct ? undefined : WriterLock.acquire(path);
    this.journal = journalPath(path);
    if (existsSync(this.journal)) {
      this.lock?.release();
      throw new InputError(`${this.journal} exists: an earlier collect into ${path} did not finish. Run \`sockml collect recover ${path}\` first (or choose another --out)`);
    }
    if (options.label) this.labeler = new PollLabeler(options.label, options.sloMsByService);
  }

  /**
   * The first completed poll creates the file: the header goes to a temporary file that replaces the
   * target atomically, and later rows are appended to it.
   */
  private open(): number {
    if (this.fd !== undefined) return this.fd;
    if (this.target.direct) {
      this.fd = openSync(this.target.path, 'w');
      writeSync(this.fd, metricsCsvHeader() + '\n');
      return this.fd;
    }
    const tmp = `${this.target.path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', this.target.mode ?? 0o666);
    try {
      writeSync(fd, metricsCsvHeader() + '\n');
      fsyncSync(fd);
      renameSync(tmp, this.target.path);
    } catch (e) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw e;
    }
    this.fd = fd;
    return fd;
  }

  get gapUnlabelled(): number {
    return this.labeler?.gapUnlabelled ?? 0;
  }

  async write(poll: CollectedPoll): Promise<void> {
    this.open();
    const rows: PendingRow[] = poll.samples.map((sample) => ({ sample, previous: poll.slot === this.lastSlot + 1 ? this.previousSlot.get(sample.service) : undefined }));
    this.previousSlot = new Map(poll.samples.map((s) => [s.service, s]));
    this.lastSlot = poll.slot;
    if (!this.labeler) {
      this.append(rows.map((r) => this.format(r, null)));
      return;
    }
    const done = this.labeler.poll(rows.map((r) => ({ service: r.sample.service, p95Ms: r.sample.p95LatencyMs, item: r })));
    this.append(done.map((d) => this.format(d.item, d.label)));
    this.waiting = this.stillWaiting(done).concat(rows);
    this.writeJournal();
  }

  async missing(slot: PollSlot): Promise<void> {
    this.previousSlot.clear();
    this.lastSlot = slot.slot;
    if (!this.labeler || this.fd === undefined) return; // nothing collected yet: nothing waits
    const done = this.labeler.poll([]);
    this.append(done.map((d) => this.format(d.item, d.label)));
    this.waiting = this.stillWaiting(done);
    this.writeJournal();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.labeler) {
      const rest = this.labeler.finish().sort((a, b) => a.item.sample.timeMs - b.item.sample.timeMs);
      this.append(rest.map((d) => this.format(d.item, null)));
      rmSync(this.journal, { force: true });
    }
    if (this.fd !== undefined) closeSync(this.fd);
    this.lock?.release();
  }

  private stillWaiting(done: { item: PendingRow }[]): PendingRow[] {
    const gone = new Set(done.map((d) => d.item));
    return this.waiting.filter((w) => !gone.has(w));
  }

  private format(row: PendingRow, label: 0 | 1 | null): string {
    if (label === 1) this.labelled.positive++;
    else if (label === 0) this.labelled.negative++;
    else this.labelled.unlabelled++;
    return formatMetricsRow({ ...row.sample, slaViolated: label }, row.previous);
  }

  /** Appends whole lines and fsyncs: after this returns, the poll survives a crash. */
  private append(lines: string[], rows = lines.length) {
    if (lines.length === 0) return;
    const fd = this.open();
    writeSync(fd, lines.join('\n') + '\n');
    if (!this.target.direct) fsyncSync(fd);
    this.rowsWritten += rows;
  }

  private writeJournal() {
    const tmp = `${this.journal}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, [metricsCsvHeader(), ...this.waiting.map((w) => formatMetricsRow({ ...w.sample, slaViolated: null }, w.previous))].join('\n') + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.journal);
  }
}
