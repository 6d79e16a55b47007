import { ArrivalSchedule, JourneyPicker, RunRecorder } from '@sockml/core';
import type { LoadEngine, LoadRunResult, LoadRunSpec } from './load-engine.js';
import { NodeHttpSender } from './node-http-sender.js';
import type { RequestSender, SendOutcome } from './request-sender.js';

/** Live numbers for a progress line, once per second. */
export interface BuiltinProgress {
  elapsedMs: number;
  inFlight: number;
}

/**
 * The builtin engine. Open model (default): requests go out at the arrival schedule's times whether or
 * not earlier ones have answered, so a slow target cannot slow the offered load down (what real users
 * do, and what avoids coordinated omission); at most maxInFlight at once, an arrival beyond that is a
 * dropped iteration, as in k6. Closed model: `vus` users, each sending its next request when the last one
 * answered, as many active as the pattern's share of its peak, as Locust ran the recordings.
 */
export class BuiltinEngine implements LoadEngine {
  readonly name = 'builtin' as const;

  constructor(
    private readonly o: {
      /** Injected in tests; node:http keep-alive by default. */
      sender?: (spec: LoadRunSpec) => RequestSender;
      onProgress?: (p: BuiltinProgress) => void;
      /** The clock, ms; performance.now by default. */
      now?: () => number;
    } = {},
  ) {}

  run(spec: LoadRunSpec): Promise<LoadRunResult> {
    const sender = this.o.sender?.(spec) ?? new NodeHttpSender(spec.target, { maxSockets: spec.model === 'open' ? spec.maxInFlight : spec.vus, timeoutMs: spec.timeoutMs });
    const clock = this.o.now ?? (() => performance.now());
    const t0 = clock();
    const now = () => clock() - t0;
    const durationMs = spec.pattern.durationMs;
    const recorder = new RunRecorder(durationMs);
    const picker = new JourneyPicker(spec.requests, spec.seed);
    let inFlight = 0;
    let stoppedAt: number | undefined; // set by the signal: the end of the offered window
    let lastSecond = -1;

    const send = (onDone?: () => void) => {
      inFlight++;
      const start = now();
      sender.send(picker.next(), (outcome: SendOutcome) => {
        inFlight--;
        const end = now();
        if ('error' in outcome && outcome.error === 'ABORTED') recorder.abandoned();
        else recorder.completed(end, end - start, outcome);
        onDone?.();
      });
      return start;
    };

    // Once per tick: close finished seconds, note the in-flight count, show progress.
    const housekeeping = (t: number) => {
      recorder.inFlight(t, inFlight);
      for (const row of recorder.flush(t)) spec.onRow?.(row);
      const second = Math.floor(t / 1000);
      if (second !== lastSecond) {
        lastSecond = second;
        this.o.onProgress?.({ elapsedMs: t, inFlight });
      }
    };

    const offerLoad = spec.model === 'open' ? this.openModel(spec, recorder, now, send, () => inFlight, housekeeping) : this.closedModel(spec, recorder, now, send, housekeeping);

    return new Promise<LoadRunResult>((resolve, reject) => {
      const stop = () => {
        stoppedAt ??= Math.min(now(), durationMs);
        sender.abortAll(); // the user wants out now, not after the slowest response
      };
      spec.signal?.addEventListener('abort', stop, { once: true });
      if (spec.signal?.aborted) stop();
      offerLoad(() => stoppedAt !== undefined)
        .then(async () => {
          // Drain: wait for what is in flight (each request ends by its own timeout at the latest; after a
          // stop, abortAll has ended them already).
          while (inFlight > 0) {
            await sleep(5);
            housekeeping(now());
            if (spec.signal?.aborted) sender.abortAll();
          }
          const { rows, summary } = recorder.finish(stoppedAt ?? durationMs);
          for (const row of rows) spec.onRow?.(row);
          resolve({ stoppedBy: stoppedAt === undefined ? 'duration' : 'signal', summary });
        })
        .catch(reject)
        .finally(() => {
          spec.signal?.removeEventListener('abort', stop);
          sender.close();
        });
    });
  }

  private openModel(spec: LoadRunSpec, recorder: RunRecorder, now: () => number, send: () => number, inFlight: () => number, housekeeping: (t: number) => void) {
    return (stopped: () => boolean) =>
      new Promise<void>((done) => {
        const schedule = new ArrivalSchedule(spec.pattern);
        let due = schedule.next();
        // Arrivals due by t that will not be started: `first` (already taken from the schedule) and all
        // after it up to t, counted as offered and dropped second by second, without walking them.
        const dropThrough = (first: number, t: number) => {
          recorder.offered(first);
          recorder.dropped(first);
          for (let second = Math.floor(first / 1000); ; second++) {
            const end = Math.min(t, (second + 1) * 1000 - 1e-6);
            const n = schedule.skipThrough(end);
            if (n > 0) {
              recorder.offered(second * 1000, n);
              recorder.dropped(second * 1000, n);
            }
            if (end >= t) break;
          }
          due = schedule.next();
        };
        const tick = () => {
          const t = now();
          if (stopped()) return done();
          // Everything due by now goes out in this tick: timers fire late by a ms or more, and bunching
          // those few arrivals beats losing them. Their lateness is measured as start lag. But a tick
          // starts at most MAX_STARTS_PER_TICK, and once the in-flight cap is reached nothing can start
          // before the next tick: the rest of what is due is dropped in bulk. So a tick is short at any
          // --peak-rps, and the event loop (timers, responses, a Ctrl-C) gets its turn between ticks.
          let starts = 0;
          let saturated = false;
          while (due !== undefined && due <= t) {
            if (starts >= MAX_STARTS_PER_TICK || inFlight() >= spec.maxInFlight) {
              saturated = true;
              dropThrough(due, t);
              break;
            }
            recorder.offered(due);
            recorder.started(send(), t - due);
            starts++;
            due = schedule.next();
          }
          housekeeping(t);
          const end = due ?? spec.pattern.durationMs;
          if (due === undefined && t >= end) return done();
          const wait = Math.min(end - now(), 100); // wake at least every 100 ms for the timeline and progress
          // Saturated, the next arrival is always already due: wait a timer's tick rather than spin.
          if (saturated) setTimeout(tick, 1);
          else if (wait <= 0) setImmediate(tick);
          else setTimeout(tick, wait);
        };
        tick();
      });
  }

  private closedModel(spec: LoadRunSpec, recorder: RunRecorder, now: () => number, send: (onDone?: () => void) => number, housekeeping: (t: number) => void) {
    const { pattern } = spec;
    return async (stopped: () => boolean) => {
      // The pattern's load per second, for comparison with what the users achieve.
      let offeredUpTo = 0;
      const offerSeconds = (t: number) => {
        for (; offeredUpTo * 1000 <= Math.min(t, pattern.durationMs - 1); offeredUpTo++) {
          recorder.offered(offeredUpTo * 1000, pattern.expected(Math.min((offeredUpTo + 1) * 1000, pattern.durationMs)) - pattern.expected(offeredUpTo * 1000));
        }
      };
      const active = (t: number) => Math.ceil((spec.vus * pattern.rate(t)) / pattern.peakRps - 1e-9);
      const user = async (i: number) => {
        for (;;) {
          const t = now();
          if (stopped() || t >= pattern.durationMs) return;
          if (i >= active(t)) {
            await sleep(Math.min(20, pattern.durationMs - t));
            continue;
          }
          await new Promise<void>((answered) => recorder.started(send(answered)));
        }
      };
      const ticker = setInterval(() => {
        const t = now();
        offerSeconds(t);
        housekeeping(t);
      }, 50);
      offerSeconds(0);
      try {
        await Promise.all(Array.from({ length: spec.vus }, (_, i) => user(i)));
      } finally {
        clearInterval(ticker);
      }
      if (!stopped()) offerSeconds(pattern.durationMs);
    };
  }
}

/**
 * Requests one tick of the open model may start. ~1000 starts take some tens of ms; at 10 000 rps a tick
 * (every ms or so) has ~10 due, so only a rate beyond what one process can send, or a long stall of the
 * event loop, reaches it; the arrivals beyond it are dropped iterations, as at the in-flight cap.
 */
export const MAX_STARTS_PER_TICK = 1000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
