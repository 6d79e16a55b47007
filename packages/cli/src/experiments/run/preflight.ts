/**
 * Checks made before a proactive experiment starts its first run, so a misconfigured Prometheus or an
 * unreachable broker fails in seconds with the fix in the message instead of after a run of silence.
 */
import { deadLetterTopic, parseDuration, TOPICS } from '@sockml/core';
import { EnvironmentError } from '../../lib/base-command.js';
import { ensureTopics, kafkaClient, whileRetriable } from '../../live/kafka.js';

export interface ScrapeTarget {
  job: string;
  instance: string;
  up: boolean;
  /** How often Prometheus scrapes it, ms; null when it does not say. */
  scrapeIntervalMs: number | null;
}

/**
 * The active targets of a Prometheus /api/v1/targets answer whose instance is on this port: the scrape
 * jobs that point at the emulator, with their health and scrape interval.
 */
export function targetsOnPort(body: unknown, port: number): ScrapeTarget[] {
  const targets = (body as { data?: { activeTargets?: { labels?: Record<string, string>; health?: string; scrapeInterval?: string }[] } })?.data?.activeTargets;
  if (!Array.isArray(targets)) return [];
  return targets
    .filter((t) => typeof t.labels?.instance === 'string' && t.labels.instance.endsWith(`:${port}`))
    .map((t) => {
      let every: number | null = null;
      try {
        every = t.scrapeInterval ? parseDuration(t.scrapeInterval) : null;
      } catch {
        every = null;
      }
      return { job: t.labels!.job ?? '', instance: t.labels!.instance, up: t.health === 'up', scrapeIntervalMs: every };
    });
}

/**
 * Waits until Prometheus scrapes 127.0.0.1:port (or localhost:port) successfully; the target, with the
 * scrape interval collect's rate() windows depend on.
 */
export async function waitForPrometheusScrape(prometheusUrl: string, port: number, timeoutMs: number): Promise<ScrapeTarget> {
  const endpoint = new URL('api/v1/targets?state=active', prometheusUrl.endsWith('/') ? prometheusUrl : `${prometheusUrl}/`);
  const until = Date.now() + timeoutMs;
  let last = '';
  // Whether Prometheus itself ever answered: if not, the fix is to start it, not to add a scrape job.
  let answered = false;
  for (;;) {
    try {
      const res = await fetch(endpoint, { signal: AbortSignal.timeout(5000) });
      answered = true;
      if (!res.ok) throw new Error(`${endpoint.origin}: HTTP ${res.status}`);
      const seen = targetsOnPort(await res.json(), port);
      const up = seen.find((s) => s.up);
      if (up) return up;
      last = seen.length > 0 ? `its job ${seen.map((s) => `${s.job} (${s.instance})`).join(', ')} is down` : `no scrape job has an instance on port ${port}`;
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      last = err.cause?.code ?? err.message;
    }
    if (Date.now() > until) {
      if (!answered) throw new EnvironmentError(`Prometheus at ${prometheusUrl} did not answer (${last}): start it (docs/EXPERIMENTS.md has a configuration that scrapes the emulator) or fix --prometheus.`);
      throw new EnvironmentError(
        `Prometheus at ${prometheusUrl} does not scrape the emulator on 127.0.0.1:${port} (${last}). ` +
          `Add a scrape job with targets ["127.0.0.1:${port}"] and a scrape_interval of 1s–5s (docs/EXPERIMENTS.md), and pass the same --sim-port.`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Creates the pipeline's topics (and so checks the broker answers). */
export async function preparePipelineTopics(brokers: string[]): Promise<void> {
  try {
    await ensureTopics(brokers, [TOPICS.metrics, TOPICS.votes, TOPICS.decisions, deadLetterTopic(TOPICS.metrics), deadLetterTopic(TOPICS.votes)]);
  } catch (e) {
    throw new EnvironmentError(`Kafka at ${brokers.join(',')} is not usable: ${(e as Error).message}`);
  }
}

/**
 * Commits each new consumer group's offsets at its topic's end before its consumer starts. A new group
 * told to start at the newest message resolves "newest" at its first fetch, some time after it printed
 * that it runs; a poll published in between would be skipped without a trace. With committed offsets
 * the group starts exactly at the end as it was before the run's first poll, whenever it fetches.
 */
export async function startGroupsAtEnd(brokers: string[], groups: { groupId: string; topic: string }[]): Promise<void> {
  const admin = kafkaClient(brokers, 'sockml-experiment').admin();
  await admin.connect();
  try {
    for (const g of groups) {
      const offsets = await whileRetriable(() => admin.fetchTopicOffsets(g.topic));
      await whileRetriable(() => admin.setOffsets({ groupId: g.groupId, topic: g.topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })) }));
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Why Prometheus's scrapes are too far apart for collect, or undefined when they are not: rate() and the
 * quantiles need at least two scrapes in the rate window (one poll by default, DEFAULT_RATE_WINDOW_POLLS;
 * --rate-window), or they come back empty and the models see imputed values instead of the load; and each
 * poll needs scrapes of its own, or it repeats the last poll's numbers. Scrapes at most half of the
 * shorter of the two apart give both.
 */
export function scrapesTooSparse(scrapeIntervalMs: number | null, wall: { pollMs: number; windowMs: number }, flagsText: string): string | undefined {
  const spanMs = Math.min(wall.pollMs, wall.windowMs);
  if (scrapeIntervalMs === null || scrapeIntervalMs <= spanMs / 2) return undefined;
  const what = wall.windowMs <= wall.pollMs ? `collect's rate window is ${wall.windowMs / 1000} s` : `a poll is ${wall.pollMs / 1000} s`;
  return (
    `Prometheus scrapes the emulator every ${scrapeIntervalMs / 1000} s, but ${what} of wall time (${flagsText}), too short for two scrapes: ` +
    `set scrape_interval to ${Math.max(1, Math.floor(spanMs / 2000))}s or less, or lower --time-scale`
  );
}
