/**
 * Checks made before a proactive experiment starts its first run, so a misconfigured Prometheus or an
 * unreachable broker fails in seconds with the fix in the message instead of after a run of silence.
 */
import { deadLetterTopic, parseDuration, TOPICS } from '@sockml/core';
import { HttpPrometheusClient } from '../../collect/prometheus-client.js';
import { EnvironmentError } from '../../lib/base-command.js';
import { ensureTopics, kafkaClient } from '../../live/kafka.js';

/** `up` samples whose instance is on this port: the scrape jobs that point at the emulator. */
export function scrapesOfPort(body: unknown, port: number): { job: string; instance: string; up: boolean }[] {
  const result = (body as { data?: { result?: { metric?: Record<string, string>; value?: [number, string] }[] } })?.data?.result;
  if (!Array.isArray(result)) return [];
  return result
    .filter((r) => typeof r.metric?.instance === 'string' && r.metric.instance.endsWith(`:${port}`))
    .map((r) => ({ job: r.metric!.job ?? '', instance: r.metric!.instance, up: r.value?.[1] === '1' }));
}

/** Waits until Prometheus scrapes 127.0.0.1:port (or localhost:port) successfully. */
export async function waitForPrometheusScrape(prometheusUrl: string, port: number, timeoutMs: number): Promise<{ job: string; instance: string }> {
  const client = new HttpPrometheusClient(prometheusUrl);
  const until = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const seen = scrapesOfPort(await client.query('up', Date.now(), { timeoutMs: 5000 }), port);
      const up = seen.find((s) => s.up);
      if (up) return up;
      last = seen.length > 0 ? `its job ${seen.map((s) => `${s.job} (${s.instance})`).join(', ')} is down` : `no scrape job has an instance on port ${port}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > until) {
      throw new EnvironmentError(
        `Prometheus at ${prometheusUrl} does not scrape the emulator on 127.0.0.1:${port} (${last}). ` +
          `Add a scrape job with targets ["127.0.0.1:${port}"] and a scrape_interval of 1s–5s (docs/EXPERIMENTS.md), and pass the same --sim-port.`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The scrape interval Prometheus uses for the target on this port (from /api/v1/targets), in ms; null
 * when it does not say. collect's rate() over two polls needs a few scrapes per window.
 */
export async function scrapeIntervalMs(prometheusUrl: string, port: number): Promise<number | null> {
  try {
    const res = await fetch(new URL('api/v1/targets?state=active', prometheusUrl.endsWith('/') ? prometheusUrl : `${prometheusUrl}/`), { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { data?: { activeTargets?: { labels?: Record<string, string>; scrapeInterval?: string }[] } };
    const t = body.data?.activeTargets?.find((x) => x.labels?.instance?.endsWith(`:${port}`));
    return t?.scrapeInterval ? parseDuration(t.scrapeInterval) : null;
  } catch {
    return null;
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
      const offsets = await admin.fetchTopicOffsets(g.topic);
      await admin.setOffsets({ groupId: g.groupId, topic: g.topic, partitions: offsets.map((o) => ({ partition: o.partition, offset: o.high })) });
    }
  } finally {
    await admin.disconnect();
  }
}
