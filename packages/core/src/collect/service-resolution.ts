/**
 * Which Sock Shop service a Prometheus series belongs to, from its labels.
 *
 * The order is: the `service` label (the later source's metrics, and relabelled Kubernetes
 * targets), else the scrape `job` (docker-compose and static configs name jobs after the service, with
 * two historical spellings mapped), else the Kubernetes `name` pod label, else `instance`. An empty
 * label counts as absent, as in PromQL. Some series carry the service in a label of their own and
 * name it `primary` (cAdvisor: `container`; kube-state-metrics: `deployment`): there the `service`
 * and `job` labels name the exporter, not the service.
 *
 * The same rule exists twice on purpose: `serviceLabelReplace` writes it as a PromQL `label_replace`
 * chain, so Prometheus can aggregate (and take histogram quantiles) per resolved service before
 * anything leaves the server, and `resolveService` applies it in code to any series that arrives
 * without the resolved label. The tests check both against one table.
 */

/** The label the collect queries group by; its value is the resolved service name. */
export const SERVICE_LABEL = 'sockml_service';

/** Resolution order after any query-specific primary label. */
export const SERVICE_LABEL_ORDER = ['service', 'job', 'name', 'instance'] as const;

/** Scrape job names that differ from the service name (Sock Shop's docker-compose Prometheus config). */
export const JOB_ALIASES: Readonly<Record<string, string>> = { cart: 'carts', frontend: 'front-end' };

export function resolveService(labels: Readonly<Record<string, string | undefined>>, primary?: string): string | null {
  for (const name of primary ? [primary, ...SERVICE_LABEL_ORDER] : SERVICE_LABEL_ORDER) {
    const value = labels[name];
    if (!value) continue;
    return name === 'job' ? (JOB_ALIASES[value] ?? value) : value;
  }
  return null;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const quote = (s: string) => JSON.stringify(s); // PromQL string literals accept JSON's escapes

/** Escapes regex metacharacters so a job alias matches literally (label_replace anchors the regex). */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Wraps an instant-vector expression so every series gets `sockml_service` set by the rule above.
 * label_replace leaves the target untouched when the source label is empty or absent ("(.+)" does not
 * match), so applying the labels from lowest to highest priority leaves the highest present one.
 */
export function serviceLabelReplace(expr: string, primary?: string): string {
  if (primary !== undefined && !LABEL_NAME.test(primary)) throw new Error(`'${primary}' is not a Prometheus label name`);
  const lr = (inner: string, replacement: string, source: string, regex: string) =>
    `label_replace(${inner}, ${quote(SERVICE_LABEL)}, ${quote(replacement)}, ${quote(source)}, ${quote(regex)})`;
  let out = expr;
  for (const source of [...SERVICE_LABEL_ORDER].reverse()) {
    out = lr(out, '$1', source, '(.+)');
    // The aliases replace the job's own value, before the labels that outrank the job.
    if (source === 'job') for (const [job, service] of Object.entries(JOB_ALIASES)) out = lr(out, service, 'job', literal(job));
  }
  if (primary) out = lr(out, '$1', primary, '(.+)');
  return out;
}
