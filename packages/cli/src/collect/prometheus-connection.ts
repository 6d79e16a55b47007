/**
 * collect's flags for reaching a protected Prometheus (bearer token, basic auth, extra headers such as
 * a tenant's X-Scope-OrgID, a private CA), read together and validated once, naming the bad flag.
 * Secrets can come from the environment (SOCKML_PROMETHEUS_*), so they stay out of `ps` and manifests.
 */
import { existsSync } from 'node:fs';
import { Flags } from '@oclif/core';
import { InputError } from '../lib/base-command.js';
import { readPem } from '../live/kafka-connection.js';
import type { PrometheusConnection } from './prometheus-client.js';

export const prometheusConnectionFlags = {
  'prometheus-bearer-token': Flags.string({ description: 'send Authorization: Bearer <token> to Prometheus', env: 'SOCKML_PROMETHEUS_BEARER_TOKEN' }),
  'prometheus-bearer-token-file': Flags.string({ description: 'read the bearer token from this file before every query (a rotated token is picked up)', env: 'SOCKML_PROMETHEUS_BEARER_TOKEN_FILE' }),
  'prometheus-username': Flags.string({ description: 'basic auth user for Prometheus (or user:password@ in the URL)', env: 'SOCKML_PROMETHEUS_USERNAME' }),
  'prometheus-password': Flags.string({ description: 'basic auth password; prefer the environment variable SOCKML_PROMETHEUS_PASSWORD', env: 'SOCKML_PROMETHEUS_PASSWORD' }),
  'prometheus-header': Flags.string({ description: "an extra request header 'Name: value', e.g. 'X-Scope-OrgID: tenant-a' (repeatable)", multiple: true }),
  'prometheus-ca': Flags.string({ description: "PEM file with the CA certificate(s) that signed Prometheus's certificate (https URLs)", env: 'SOCKML_PROMETHEUS_CA' }),
};

export interface PrometheusConnectionFlagValues {
  'prometheus-bearer-token'?: string;
  'prometheus-bearer-token-file'?: string;
  'prometheus-username'?: string;
  'prometheus-password'?: string;
  'prometheus-header'?: string[];
  'prometheus-ca'?: string;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function prometheusConnectionFromFlags(flags: PrometheusConnectionFlagValues): PrometheusConnection {
  const c: PrometheusConnection = {};
  const token = flags['prometheus-bearer-token'];
  const tokenFile = flags['prometheus-bearer-token-file'];
  const username = flags['prometheus-username'];
  const password = flags['prometheus-password'];
  const schemes = [token !== undefined && '--prometheus-bearer-token', tokenFile !== undefined && '--prometheus-bearer-token-file', (username ?? password) !== undefined && '--prometheus-username/--prometheus-password'].filter(Boolean);
  if (schemes.length > 1) throw new InputError(`Prometheus credentials: choose one of ${schemes.join(', ')}`);
  if (token !== undefined) {
    if (token.trim() === '') throw new InputError('--prometheus-bearer-token is empty');
    c.bearerToken = token.trim();
  }
  if (tokenFile !== undefined) {
    if (!existsSync(tokenFile)) throw new InputError(`--prometheus-bearer-token-file: ${tokenFile} does not exist`);
    c.bearerTokenFile = tokenFile;
  }
  if (username !== undefined || password !== undefined) {
    if (!username) throw new InputError('--prometheus-password needs --prometheus-username');
    if (password === undefined) throw new InputError('--prometheus-username needs --prometheus-password (or SOCKML_PROMETHEUS_PASSWORD)');
    c.basicAuth = { username, password };
  }
  for (const raw of flags['prometheus-header'] ?? []) {
    const i = raw.indexOf(':');
    const name = i > 0 ? raw.slice(0, i).trim() : '';
    if (!HEADER_NAME.test(name)) throw new InputError(`--prometheus-header must be 'Name: value', got '${raw}'`);
    if (/^(authorization|content-type|content-length|host)$/i.test(name)) throw new InputError(`--prometheus-header ${name}: set by collect itself (use the credential flags for Authorization)`);
    c.headers = { ...c.headers, [name]: raw.slice(i + 1).trim() };
  }
  if (flags['prometheus-ca'] !== undefined) c.ca = readPem('--prometheus-ca', flags['prometheus-ca']);
  return c;
}
