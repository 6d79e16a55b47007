/**
 * The sockml config file (`--config sockml.yaml`): per-service settings for the live pipeline — the SLO
 * (collect's labels), min/max replicas and policy (scale), and the Kubernetes Deployment that backs each
 * service (scale's kubernetes actuator). Keys are spelled as the flags they stand for; a flag given on
 * the command line overrides the file for every service.
 *
 * SOCKML_CONFIG_SCHEMA is the JSON Schema published as docs/sockml.schema.json (a test keeps the two
 * equal; editors validate against it), and it is also what validates a file here: `validateAgainstSchema`
 * interprets the subset of JSON Schema the schema uses, so the published schema and the checks cannot
 * drift. Errors name the field as a path (`services.carts.max-replicas`).
 */
import { SchemaError } from '../schema.js';

/** A Kubernetes object name (RFC 1123 label), which Sock Shop's service and Deployment names are. */
const NAME = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const serviceSettings = (withDeployment: boolean) => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    ...(withDeployment ? { deployment: { type: 'string', pattern: NAME, maxLength: 63, description: "The Deployment that runs this service (scale's kubernetes actuator) [default: the service's name]" } } : {}),
    slo: { type: 'number', exclusiveMinimum: 0, description: "p95 latency SLO in ms: collect's future-only labels (collect --slo)" },
    'min-replicas': { type: 'integer', minimum: 0, description: 'Fewest replicas (scale --min-replicas; the hybrid policy: at least 1)' },
    'max-replicas': { type: 'integer', minimum: 1, description: 'Most replicas (scale --max-replicas)' },
    'hpa-floor': {
      type: 'integer',
      minimum: 1,
      description:
        "lab and experiment run (on the emulator): the target CPU % of this service's HPA under sockml (their --hpa-floor, for this service). On a cluster the HPA under sockml is the Deployment's own (scale --actuator kubernetes-hpa-floor): set its target there; scale and collect do not read this",
    },
    policy: {
      type: 'object',
      description:
        "The scaling policy: its name (scale --policy) and its settings, each as scale --policy-set key=value takes it (e.g. scaleUpCooldownMs: 30s, scaleDownAfterCalmPolls: 10; sockml scale --help lists them); scale checks them against the named policy's settings.",
      properties: { name: { type: 'string', minLength: 1, description: 'The policy (scale --policy): step, hybrid, …' } },
      additionalProperties: { type: ['string', 'number', 'integer', 'boolean'] },
    },
  },
});

export const SOCKML_CONFIG_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:sockml:config',
  title: 'sockml config file (--config)',
  description: 'Per-service settings of the live pipeline. Flags given on the command line override the file.',
  type: 'object',
  additionalProperties: false,
  required: ['services'],
  properties: {
    defaults: { ...serviceSettings(false), description: 'Settings for every service that does not set them itself' },
    services: {
      type: 'object',
      description: 'Settings by service name (as collect names services: carts, front-end, …)',
      propertyNames: { pattern: NAME },
      additionalProperties: serviceSettings(true),
    },
  },
} as const;

export interface ConfigPolicy {
  name?: string;
  /** Setting → value, as `--policy-set key=value` takes it (checked by scale against the named policy). */
  params: Record<string, string | number | boolean>;
}

export interface ServiceSettings {
  deployment?: string;
  slo?: number;
  'min-replicas'?: number;
  'max-replicas'?: number;
  /** lab and experiment run on the emulator: this service's HPA target under sockml (its --hpa-floor). */
  'hpa-floor'?: number;
  policy?: ConfigPolicy;
}

export interface SockmlConfig {
  defaults: Omit<ServiceSettings, 'deployment'>;
  services: Record<string, ServiceSettings>;
}

/** Validates a parsed config file (`where`: its path, for messages) and returns it typed. */
export function parseSockmlConfig(json: unknown, where: string): SockmlConfig {
  const problems = validateAgainstSchema(json, SOCKML_CONFIG_SCHEMA);
  if (problems.length > 0) throw new SchemaError(problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : ''), where);
  const o = json as { defaults?: Record<string, unknown>; services: Record<string, Record<string, unknown>> };
  const settings = (s: Record<string, unknown> = {}): ServiceSettings => {
    const { policy, ...rest } = s as ServiceSettings & { policy?: Record<string, string | number | boolean> };
    const out: ServiceSettings = { ...rest };
    if (policy) {
      const { name, ...params } = policy;
      out.policy = { ...(name === undefined ? {} : { name: String(name) }), params };
    }
    return out;
  };
  return { defaults: settings(o.defaults), services: Object.fromEntries(Object.entries(o.services).map(([k, v]) => [k, settings(v)])) };
}

type Schema = Record<string, any>;

/** The JSON Schema keywords validateAgainstSchema understands; any other keyword in a schema is an error (never ignored). */
export const SUPPORTED_KEYWORDS = new Set([
  '$schema', '$id', 'title', 'description',
  'type', 'properties', 'required', 'additionalProperties', 'propertyNames',
  'minimum', 'exclusiveMinimum', 'pattern', 'minLength', 'maxLength',
]);

/**
 * The problems of `value` against `schema` (empty: valid), each `path: what is wrong`. Interprets the
 * subset of JSON Schema 2020-12 in SUPPORTED_KEYWORDS.
 */
export function validateAgainstSchema(value: unknown, schema: Schema, path = ''): string[] {
  const at = path || '(the file)';
  const unknown = Object.keys(schema).filter((k) => !SUPPORTED_KEYWORDS.has(k));
  if (unknown.length > 0) throw new Error(`validateAgainstSchema: unsupported keyword ${unknown.join(', ')} at ${at}`);
  if (schema.type !== undefined) {
    const types: string[] = [].concat(schema.type);
    if (!types.some((t) => hasType(value, t))) return [`${at}: must be ${types.map(article).join(' or ')}, got ${describe(value)}`];
  }
  const problems: string[] = [];
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: must be ≥ ${schema.minimum}, got ${value}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) problems.push(`${at}: must be > ${schema.exclusiveMinimum}, got ${value}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${at}: must not be empty`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: must be at most ${schema.maxLength} characters`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) problems.push(`${at}: '${value}' does not match ${schema.pattern}`);
  }
  if (isObject(value)) {
    const props: Record<string, Schema> = schema.properties ?? {};
    for (const r of schema.required ?? []) if (!(r in value)) problems.push(`${join(path, r)}: missing`);
    for (const [k, v] of Object.entries(value)) {
      const key = join(path, k);
      if (schema.propertyNames) problems.push(...validateAgainstSchema(k, schema.propertyNames, `${key} (the name)`));
      if (k in props) problems.push(...validateAgainstSchema(v, props[k], key));
      else if (schema.additionalProperties === false) problems.push(`${key}: unknown field${Object.keys(props).length ? ` (known: ${Object.keys(props).join(', ')})` : ''}`);
      else if (isObject(schema.additionalProperties)) problems.push(...validateAgainstSchema(v, schema.additionalProperties, key));
    }
  }
  return problems;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function hasType(v: unknown, t: string): boolean {
  switch (t) {
    case 'object':
      return isObject(v);
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    default:
      throw new Error(`validateAgainstSchema: unsupported type ${t}`);
  }
}

const article = (t: string) => (t === 'integer' ? 'a whole number' : t === 'object' ? 'an object (a mapping)' : `a ${t}`);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object') return 'an object';
  return String(v);
}
