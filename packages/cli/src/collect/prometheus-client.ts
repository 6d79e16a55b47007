import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

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
 * How to reach a Prometheus that is not open to anyone: an API gateway or a multi-tenant store (Cortex,
 * Mimir, Thanos behind a proxy) wants a bearer token or basic auth and often a tenant header
 * (`X-Scope-OrgID`); a private CA signs its certificate.
 */
export interface PrometheusConnection {
  /** Extra request headers, e.g. `{ 'X-Scope-OrgID': 'tenant-a' }`. */
  headers?: Record<string, string>;
  bearerToken?: string;
  /** Read before every query, so a rotated token (a projected service-account token) is picked up. */
  bearerTokenFile?: string;
  basicAuth?: { username: string; password: string };
  /** PEM CA certificate(s) trusted for https URLs, instead of Node's bundled CAs. */
  ca?: string;
}

/**
 * The Prometheus HTTP API over node:http(s) (Node's global fetch takes no CA). Queries are POSTed as a
 * form: the label_replace chains make them a few kB, more than some proxies accept in a URL. `time=`
 * pins the evaluation to the poll's slot, so a slow answer still describes the slot's moment.
 * Credentials in the URL (`https://user:pass@host`) become basic auth and never appear in messages.
 */
export class HttpPrometheusClient implements PrometheusClient {
  private readonly endpoint: URL;
  private readonly connection: PrometheusConnection;

  constructor(baseUrl: string, connection: PrometheusConnection = {}) {
    let base: URL;
    try {
      base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    } catch {
      throw new PrometheusQueryError(`'${baseUrl}' is not a URL (e.g. http://localhost:9090)`, false);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new PrometheusQueryError(`'${baseUrl}' is not an http(s) URL`, false);
    this.connection = { ...connection };
    if (base.username || base.password) {
      if (connection.basicAuth || connection.bearerToken || connection.bearerTokenFile) throw new PrometheusQueryError('the Prometheus URL holds credentials and other credentials are given too: choose one', false);
      this.connection.basicAuth = { username: decodeURIComponent(base.username), password: decodeURIComponent(base.password) };
      base.username = '';
      base.password = '';
    }
    this.endpoint = new URL('api/v1/query', base);
  }

  /** The request headers of one query: the configured ones, then the credentials. */
  headers(): Record<string, string> {
    const c = this.connection;
    const h: Record<string, string> = { ...c.headers, 'content-type': 'application/x-www-form-urlencoded' };
    const token = c.bearerTokenFile !== undefined ? readToken(c.bearerTokenFile) : c.bearerToken;
    if (token !== undefined) h.authorization = `Bearer ${token}`;
    else if (c.basicAuth) h.authorization = `Basic ${Buffer.from(`${c.basicAuth.username}:${c.basicAuth.password}`).toString('base64')}`;
    return h;
  }

  async query(promql: string, timeMs: number, { timeoutMs, signal }: { timeoutMs: number; signal?: AbortSignal }): Promise<unknown> {
    const timeout = AbortSignal.timeout(Math.max(1, timeoutMs));
    let response: { status: number; text: string };
    try {
      response = await post(this.endpoint, new URLSearchParams({ query: promql, time: (timeMs / 1000).toFixed(3) }).toString(), this.headers(), {
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
        ca: this.connection.ca,
      });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : (err.code ?? err.message);
      throw new PrometheusQueryError(`${this.endpoint.origin}: ${why}`, true);
    }
    let body: { status?: string; error?: string; errorType?: string } | undefined;
    try {
      body = JSON.parse(response.text);
    } catch {
      body = undefined;
    }
    if (response.status >= 200 && response.status < 300 && body) return body;
    // 400 bad_data and 422 execution errors are the query's fault; 429, 5xx (503 timeout) and
    // non-JSON answers from a proxy are the server's state, which may change. So are 401/403: a
    // rotated token file or a fixed gateway lets the next poll through.
    const retryable = !(response.status === 400 || response.status === 422);
    const detail = body?.error ? `${body.errorType ?? 'error'}: ${body.error}` : response.text.slice(0, 200).replace(/\s+/g, ' ');
    throw new PrometheusQueryError(`${this.endpoint.origin}: HTTP ${response.status} ${detail}`.trim(), retryable);
  }
}

function readToken(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new PrometheusQueryError(`bearer token file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, true);
  }
}

/** One POST; resolves with the status and the body as text, whatever the status. */
function post(url: URL, body: string, headers: Record<string, string>, o: { signal: AbortSignal; ca?: string }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, signal: o.signal, ...(o.ca ? { ca: o.ca } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A URL as it may be printed: any user:password@ taken out. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}
