/** One series of an instant-vector result. `value` may be NaN or ±Infinity, as Prometheus reports them. */
export interface PromVectorSeries {
  labels: Record<string, string>;
  value: number;
}

/** Prometheus answered, but not with a usable vector (`status: error`, or another result type). */
export class PrometheusResponseError extends Error {
  constructor(
    message: string,
    /** Prometheus's errorType (`bad_data`, `timeout`, `execution`, …) when it gave one. */
    readonly errorType?: string,
  ) {
    super(message);
    this.name = 'PrometheusResponseError';
  }
}

/** Prometheus spells non-finite sample values this way; Number() reads only "NaN" of them. */
function sampleValue(raw: unknown): number {
  if (raw === '+Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  return typeof raw === 'string' ? Number(raw) : NaN;
}

/** Reads the JSON body of `/api/v1/query` for an instant-vector expression. */
export function parseVectorResponse(json: unknown): PromVectorSeries[] {
  const body = json as { status?: unknown; error?: unknown; errorType?: unknown; data?: { resultType?: unknown; result?: unknown } } | null;
  if (typeof body !== 'object' || body === null) throw new PrometheusResponseError('response is not a JSON object');
  if (body.status !== 'success') {
    const type = typeof body.errorType === 'string' ? body.errorType : undefined;
    throw new PrometheusResponseError(`Prometheus error${type ? ` (${type})` : ''}: ${String(body.error ?? 'no error message')}`, type);
  }
  if (body.data?.resultType !== 'vector' || !Array.isArray(body.data.result)) {
    throw new PrometheusResponseError(`expected an instant vector, got resultType '${String(body.data?.resultType)}'`);
  }
  return body.data.result.map((r: { metric?: Record<string, string>; value?: unknown[] }) => ({
    labels: r.metric ?? {},
    value: sampleValue(Array.isArray(r.value) ? r.value[1] : undefined),
  }));
}
