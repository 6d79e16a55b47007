/** Answers one instant query at a given time; the body is Prometheus's JSON, parsed. */
export interface PrometheusClient {
  query(promql: string, timeMs: number, options: { timeoutMs: number; signal?: AbortSignal }): Promise<unknown>;
}

/**
 * A query that did not produce an answer. `retryable`: the server was unreachable, slow or overloaded
 * (worth another attempt within the poll's deadline); otherwise Prometheus rejected the query itself,
 * which no retry changes.
 */
export class PrometheusQueryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'PrometheusQueryError';
  }
}

/**
 * The Prometheus HTTP API over Node's global fetch. Queries are POSTed as a form: the label_replace
 * chains make them a few kB, more than some proxies accept in a URL. `time=` pins the evaluation to
 * the poll's slot, so a slow answer still describes the slot's moment.
 */
export class HttpPrometheusClient implements PrometheusClient {
  private readonly endpoint: URL;

  constructor(baseUrl: string) {
    let base: URL;
    try {
      base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    } catch {
      throw new PrometheusQueryError(`'${baseUrl}' is not a URL (e.g. http://localhost:9090)`, false);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new PrometheusQueryError(`'${baseUrl}' is not an http(s) URL`, false);
    this.endpoint = new URL('api/v1/query', base);
  }

  async query(promql: string, timeMs: number, { timeoutMs, signal }: { timeoutMs: number; signal?: AbortSignal }): Promise<unknown> {
    const timeout = AbortSignal.timeout(Math.max(1, timeoutMs));
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: promql, time: (timeMs / 1000).toFixed(3) }),
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : (err.cause?.code ?? err.cause?.message ?? err.message);
      throw new PrometheusQueryError(`${this.endpoint.origin}: ${why}`, true);
    }
    const text = await response.text().catch(() => '');
    let body: { status?: string; error?: string; errorType?: string } | undefined;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (response.ok && body) return body;
    // 400 bad_data and 422 execution errors are the query's fault; 429, 5xx (503 timeout) and
    // non-JSON answers from a proxy are the server's state, which may change.
    const retryable = !(response.status === 400 || response.status === 422);
    const detail = body?.error ? `${body.errorType ?? 'error'}: ${body.error}` : text.slice(0, 200).replace(/\s+/g, ' ');
    throw new PrometheusQueryError(`${this.endpoint.origin}: HTTP ${response.status} ${detail}`.trim(), retryable);
  }
}
