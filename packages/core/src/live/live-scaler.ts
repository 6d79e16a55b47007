import type { Actuator } from '../actuators/actuator.js';
import type { Vote } from '../schema.js';
import type { EnsembleVerdict } from '../voting/vote-aggregator.js';
import { ReplicaSeeder, type SeedRetry } from './replica-seeder.js';
import type { ScalingController, TakenDecision } from './scaling-controller.js';
import { TurnBatches } from './turn-batches.js';

export interface LiveScalerOptions {
  /** Publishes decisions (to `scaling-decisions`), all of them in one request. */
  publish(taken: TakenDecision[]): Promise<void>;
  /** Applies each published decision; asked for a service's replicas before its first decision when seeding. */
  actuator: Actuator;
  /** Start each service from what its target runs, retrying a failed read so (default); false: from the policy's minimum. */
  seed?: SeedRetry | false;
  /** Called with the decisions one flush applied, in order, even when a later one failed (print, --out). */
  applied?(taken: TakenDecision[]): Promise<void> | void;
  log?(line: string): void;
  warn?(line: string): void;
}

/**
 * The scaler's order of work, between Kafka and the ScalingController: votes and window closes in,
 * decisions published and applied out.
 *
 * - Before a service's first decision its replicas are read from the actuator (`seed`); the read starts
 *   at the service's first vote. Until it is over, that service's verdicts, whether completed by a vote
 *   or closed by the window timer, wait in arrival order and are decided after it; other services'
 *   decisions do not wait for it here (a Kafka consumer that awaits `onVotes` before fetching again
 *   does not see new votes meanwhile, though). A failed read is retried on a later vote of the service after a backoff, a
 *   bounded number of times; meanwhile its decisions start from the policy's minimum, and a late
 *   successful read replaces that count (ScalingController.seed). No read is retried while one of that
 *   service's decisions is still on its way to the actuator, so a read never races an apply.
 * - Decisions go out through one queue: published in one request, then applied one by one, one flush at
 *   a time, in the order taken; what is taken while a flush is going goes out with the next. A decision
 *   whose publish or apply failed stays queued and goes out first with the next flush (an at-least-once
 *   redelivery of its votes would not take it again: the aggregator counts them as decided).
 */
export class LiveScaler {
  private readonly seeder: ReplicaSeeder | undefined;
  /** Per service: the read in progress and the verdicts waiting behind it, in order. */
  private readonly waiting = new Map<string, Promise<unknown>>();
  /** Per service: decisions taken and not yet applied. */
  private readonly unapplied = new Map<string, number>();
  private unsent: TakenDecision[] = [];
  /** With an attributing policy: settles when the newest poll handed over has been decided. */
  private lastPoll: Promise<void> = Promise.resolve();
  private readonly out: TurnBatches<TakenDecision>;

  constructor(
    readonly controller: ScalingController,
    private readonly options: LiveScalerOptions,
  ) {
    const read = (service: string) => options.actuator.currentReplicas?.(service) ?? Promise.resolve(null);
    this.seeder = options.seed === false ? undefined : new ReplicaSeeder(read, options.seed);
    this.out = new TurnBatches((taken) => this.flush(taken));
  }

  /** Votes of one batch, received at `nowMs`; resolves once the decisions they completed are published and applied. */
  onVotes(votes: readonly Vote[], nowMs: number): Promise<void> {
    const verdicts: EnsembleVerdict[] = [];
    for (const vote of votes) {
      this.startSeed(vote.service, nowMs);
      const verdict = this.controller.vote(vote, nowMs);
      if (verdict) verdicts.push(verdict);
    }
    return this.decideAndSend(verdicts, nowMs);
  }

  /** The window timer at `nowMs`; resolves once the decisions of the windows (and polls) it closed are out. */
  onTick(nowMs: number): Promise<void> {
    return this.decideAndSend(this.controller.expire(nowMs), nowMs);
  }

  /**
   * The scaler is stopping: the polls still waiting for a late service are decided as they are, then
   * everything taken so far goes out (`idle`).
   */
  async drain(): Promise<void> {
    await this.decidePolls(this.controller.flushPolls());
    await this.idle();
  }

  /** Resolves once every decision taken so far is out (or failed), and no read is in progress. */
  async idle(): Promise<void> {
    while (this.waiting.size > 0) await Promise.allSettled([...this.waiting.values()]);
    await this.out.idle();
  }

  private decideAndSend(verdicts: EnsembleVerdict[], nowMs: number): Promise<void> {
    if (this.controller.attributes) return this.decidePolls(this.controller.gather(verdicts, nowMs));
    const now: TakenDecision[] = [];
    const later: Promise<void>[] = [];
    for (const verdict of verdicts) {
      const service = verdict.service;
      const before = this.waiting.get(service);
      this.count(service, +1);
      if (!before) {
        now.push(this.controller.decide(verdict));
        continue;
      }
      const decided = before.then(() => this.controller.decide(verdict));
      // Queued to `out` before the service stops waiting (reactions run in the order registered).
      later.push(decided.then((t) => this.out.add(t)));
      const settled = decided.then(
        () => {},
        () => {},
      );
      this.waiting.set(service, settled);
      void settled.then(() => this.waiting.get(service) === settled && this.waiting.delete(service));
    }
    // With nothing new, decisions left over from a failed flush are retried all the same.
    const sent = now.length > 0 || this.unsent.length > 0 ? this.out.add(...now) : undefined;
    return Promise.all([sent, ...later]).then(() => {});
  }

  /**
   * With an attributing policy the unit of decision is a poll: it is decided once the replica reads of
   * all its services are over and the poll before it is decided (attribution reads every service's
   * count, and each service's state must move through the polls in order). Its decisions go out together.
   */
  private decidePolls(polls: EnsembleVerdict[][]): Promise<void> {
    const sent: Promise<void>[] = [];
    for (const poll of polls) {
      const services = [...new Set(poll.map((v) => v.service))];
      for (const v of poll) this.count(v.service, +1);
      const reads = services.map((s) => this.waiting.get(s)).filter((p) => p !== undefined);
      const decided = Promise.all([this.lastPoll, ...reads]).then(() => this.controller.decidePoll(poll));
      // Queued to `out` before the poll's services stop waiting (reactions run in the order registered).
      sent.push(decided.then((taken) => this.out.add(...taken)));
      const settled = decided.then(
        () => {},
        () => {},
      );
      this.lastPoll = settled;
      for (const s of services) {
        this.waiting.set(s, settled);
        void settled.then(() => this.waiting.get(s) === settled && this.waiting.delete(s));
      }
    }
    // With nothing new, decisions left over from a failed flush are retried all the same.
    if (sent.length === 0 && this.unsent.length > 0) sent.push(this.out.add());
    return Promise.all(sent).then(() => {});
  }

  private startSeed(service: string, nowMs: number): void {
    const seeder = this.seeder;
    if (!seeder || this.waiting.has(service) || (this.unapplied.get(service) ?? 0) > 0 || !seeder.due(service, nowMs)) return;
    const read = seeder.seed(service, nowMs).then((o) => {
      const name = this.options.actuator.name;
      if (o.kind === 'replicas') {
        if (!this.controller.seed(service, o.replicas)) return;
        const held = this.controller.replicas(service);
        const bounds = held === o.replicas ? '' : `, outside the policy's ${held < o.replicas ? 'max' : 'min'} ${held}: its next decision moves it to ${held}`;
        const retried = o.attempt > 1 ? ` (read ${o.attempt})` : '';
        this.options.log?.(`scale: ${service} starts from ${o.replicas} replicas (${name} target)${bounds}${retried}`);
      } else if (o.kind === 'failed') {
        const next =
          o.retryAtMs === null
            ? 'giving up: the policy counts from'
            : `trying again on a vote ${((o.retryAtMs - nowMs) / 1000).toFixed(1)} s after this read began; meanwhile the policy counts from`;
        this.options.warn?.(`could not read ${service}'s replicas from the ${name} target (${o.error.message}), attempt ${o.attempt} of ${seeder.retry.attempts}; ${next} ${this.controller.replicas(service)}`);
      }
    });
    this.waiting.set(service, read);
    void read.then(() => this.waiting.get(service) === read && this.waiting.delete(service));
  }

  private count(service: string, by: number): void {
    const n = (this.unapplied.get(service) ?? 0) + by;
    if (n === 0) this.unapplied.delete(service);
    else this.unapplied.set(service, n);
  }

  /** Publishes the decisions left over from a failed flush and `taken`, in one request, then applies them in order. */
  private async flush(taken: TakenDecision[]): Promise<void> {
    const queue = this.unsent.concat(taken);
    this.unsent = [];
    const done: TakenDecision[] = [];
    let i = 0;
    try {
      // A decision retried after a failed apply may be published twice; its decision_id tells.
      await this.options.publish(queue);
      for (; i < queue.length; i++) {
        await this.options.actuator.apply(queue[i].decision);
        done.push(queue[i]);
        this.count(queue[i].decision.service, -1);
      }
    } catch (e) {
      this.unsent = queue.slice(i);
      throw e;
    } finally {
      if (done.length > 0) await this.options.applied?.(done);
    }
  }
}
