/**
 * Collects what is handed in during one turn of the event loop, plus whatever arrives while the previous
 * run is still going, and hands it to `run` in one call; runs never overlap and keep their order. Each
 * `add()` resolves, or rejects, with the run its items went into.
 *
 * The live commands use it twice: `serve-model` scores the partition batches of one Kafka fetch (kafkajs
 * hands them to `eachBatch` in the same turn) together and sends their votes in one produce request, and
 * the scaler publishes and applies the decisions taken meanwhile in one go, one request at a time, so a
 * decision closed by the window timer can never be published in the middle of a batch's.
 */
export class TurnBatches<T> {
  private open: T[] | undefined;
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly run: (items: T[]) => Promise<void>) {}

  add(...items: T[]): Promise<void> {
    if (this.open) {
      this.open.push(...items);
      return this.last;
    }
    const group = (this.open = [...items]);
    const turnOver = new Promise<void>((r) => setImmediate(r));
    this.last = Promise.all([turnOver, this.last.catch(() => {})]).then(() => {
      if (this.open === group) this.open = undefined;
      return this.run(group);
    });
    return this.last;
  }

  /** Resolves once every run started so far has finished (failed ones included). */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.last) {
      seen = this.last;
      await seen.catch(() => {});
    }
  }
}
