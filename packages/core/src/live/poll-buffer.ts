import { parseIsoTime } from '../schema.js';
import type { EnsembleVerdict } from '../voting/vote-aggregator.js';

export interface PollBufferStats {
  /** Polls released whole: every service the buffer knows had its verdict in. */
  complete: number;
  /** Polls released when their wait ran out (or at a flush), some known service missing. */
  timedOut: number;
  /** Verdicts whose poll had been released already: released alone. */
  late: number;
}

interface Pending {
  snapshotId: string;
  timeMs: number;
  firstMs: number;
  verdicts: EnsembleVerdict[];
}

/**
 * Why: a policy that attributes across services (ScalingPolicy.attribution) must see a poll's verdicts
 * together, as replay and the lab do, but the live scaler gets them one (service, snapshot) at a time,
 * in whatever order the models finish. This holds each snapshot's verdicts until its poll is whole and
 * releases polls in poll-time order, so each service's policy state moves through the polls as in replay.
 *
 * - A poll is whole when every service seen in an earlier released poll has its verdict in. The first
 *   poll has no such list: it waits the full `waitMs`.
 * - A poll also goes when `waitMs` has passed since its first verdict (a service that stopped reporting
 *   must not hold the others back for ever), or when a later poll goes (the earlier one first).
 * - A verdict for a poll already released (its service's votes came after the wait) is released alone;
 *   a poll of one verdict attributes nothing.
 *
 * Time is an input (`nowMs`); nothing here reads a clock.
 */
export class PollBuffer {
  readonly stats: PollBufferStats = { complete: 0, timedOut: 0, late: 0 };
  private readonly pending = new Map<string, Pending>();
  private readonly known = new Set<string>();
  /** Poll time of the newest released poll: anything at or before it is late. */
  private releasedUpToMs = -Infinity;

  constructor(readonly waitMs: number) {
    if (!(waitMs >= 0)) throw new Error(`PollBuffer: waitMs must be ≥ 0, got ${waitMs}`);
  }

  /** Verdicts taken at `nowMs`; returns the polls they (or time) completed, oldest first. */
  add(verdicts: readonly EnsembleVerdict[], nowMs: number): EnsembleVerdict[][] {
    const out: EnsembleVerdict[][] = [];
    for (const verdict of verdicts) {
      const timeMs = parseIsoTime(verdict.timestamp);
      if (timeMs <= this.releasedUpToMs) {
        this.stats.late++;
        out.push([verdict]);
        continue;
      }
      let poll = this.pending.get(verdict.snapshotId);
      if (!poll) {
        poll = { snapshotId: verdict.snapshotId, timeMs, firstMs: nowMs, verdicts: [] };
        this.pending.set(verdict.snapshotId, poll);
      }
      poll.verdicts.push(verdict);
      if (this.isWhole(poll)) out.push(...this.releaseUpTo(poll, true));
    }
    out.push(...this.tick(nowMs));
    return out;
  }

  /** Releases the polls whose wait ran out by `nowMs`, oldest first (with any earlier poll). */
  tick(nowMs: number): EnsembleVerdict[][] {
    const expired = [...this.pending.values()].filter((p) => nowMs - p.firstMs >= this.waitMs).sort(byTime);
    const newest = expired[expired.length - 1];
    return newest ? this.releaseUpTo(newest, false) : [];
  }

  /** Releases every poll held, oldest first (the scaler is stopping). */
  flush(): EnsembleVerdict[][] {
    const all = [...this.pending.values()].sort(byTime);
    const newest = all[all.length - 1];
    return newest ? this.releaseUpTo(newest, false) : [];
  }

  /** How many polls are held. */
  get size(): number {
    return this.pending.size;
  }

  private isWhole(poll: Pending): boolean {
    if (this.known.size === 0) return false;
    const services = new Set(poll.verdicts.map((v) => v.service));
    for (const s of this.known) if (!services.has(s)) return false;
    return true;
  }

  /** Releases `last` and every held poll before it, in poll-time order. */
  private releaseUpTo(last: Pending, lastWhole: boolean): EnsembleVerdict[][] {
    const released = [...this.pending.values()].filter((p) => byTime(p, last) <= 0).sort(byTime);
    return released.map((p) => {
      this.pending.delete(p.snapshotId);
      this.releasedUpToMs = Math.max(this.releasedUpToMs, p.timeMs);
      if (p === last && lastWhole) this.stats.complete++;
      else if (this.isWhole(p)) this.stats.complete++;
      else this.stats.timedOut++;
      for (const v of p.verdicts) this.known.add(v.service);
      return p.verdicts;
    });
  }
}

function byTime(a: Pending, b: Pending): number {
  return a.timeMs - b.timeMs || (a.snapshotId < b.snapshotId ? -1 : a.snapshotId > b.snapshotId ? 1 : 0);
}
