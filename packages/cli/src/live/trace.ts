import { appendFileSync } from 'node:fs';

/**
 * Opt-in per-hop timing for the live pipeline (bench/live-bench.mjs): with SOCKML_TRACE_FILE set, a
 * command records when each (snapshot, service[, model]) reached it and writes the marks as JSON lines
 * to that file when it stops. Unset (always, outside the bench), marking does nothing. The marks stay
 * in memory until then so tracing adds no I/O to the path it measures.
 */
export class HopTrace {
  private readonly marks: string[] = [];
  private readonly file = process.env.SOCKML_TRACE_FILE;

  constructor(private readonly hop: string) {}

  get enabled(): boolean {
    return this.file !== undefined && this.file !== '';
  }

  /** `key` reached this hop at `at` (Date.now(): the clock Kafka record timestamps use). */
  mark(key: string, at: number, extra: Record<string, unknown> = {}): void {
    if (this.enabled) this.marks.push(JSON.stringify({ hop: this.hop, key, at, ...extra }));
  }

  flush(): void {
    if (!this.enabled || this.marks.length === 0) return;
    appendFileSync(this.file!, this.marks.join('\n') + '\n');
    this.marks.length = 0;
  }
}
