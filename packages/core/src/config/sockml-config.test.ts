import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSockmlConfig, SOCKML_CONFIG_SCHEMA, SUPPORTED_KEYWORDS, validateAgainstSchema } from './sockml-config.js';

const REPO = join(__dirname, '../../../..');

describe('parseSockmlConfig', () => {
  it('reads defaults and per-service settings, splitting the policy into its name and parameters', () => {
    const c = parseSockmlConfig(
      {
        defaults: { slo: 35.68, 'max-replicas': 10, policy: { name: 'default', 'scale-down-after': 10 } },
        services: { 'front-end': { deployment: 'front-end', 'min-replicas': 2, policy: { 'scale-up-cooldown': '30s' } }, carts: {}, catalogue: { 'hpa-floor': 50 } },
      },
      'sockml.yaml',
    );
    expect(c).toEqual({
      defaults: { slo: 35.68, 'max-replicas': 10, policy: { name: 'default', params: { 'scale-down-after': 10 } } },
      services: { 'front-end': { deployment: 'front-end', 'min-replicas': 2, policy: { params: { 'scale-up-cooldown': '30s' } } }, carts: {}, catalogue: { 'hpa-floor': 50 } },
    });
  });

  it.each([
    [{}, /sockml\.yaml: services: missing/],
    [{ services: [] }, /services: must be an object \(a mapping\), got a list/],
    [{ services: { carts: { 'max-replicas': 0 } } }, /services\.carts\.max-replicas: must be ≥ 1, got 0/],
    [{ services: { carts: { 'min-replicas': 1.5 } } }, /services\.carts\.min-replicas: must be a whole number, got 1\.5/],
    [{ services: { carts: { slo: 0 } } }, /services\.carts\.slo: must be > 0, got 0/],
    [{ services: { catalogue: { 'hpa-floor': 0 } } }, /services\.catalogue\.hpa-floor: must be ≥ 1, got 0/],
    [{ services: { catalogue: { 'hpa-floor': 50.5 } } }, /services\.catalogue\.hpa-floor: must be a whole number, got 50\.5/],
    [{ services: { carts: { slo: '35ms' } } }, /services\.carts\.slo: must be a number, got '35ms'/],
    [{ services: { carts: { deployment: 'Carts_V2' } } }, /services\.carts\.deployment: 'Carts_V2' does not match/],
    [{ services: { Carts: {} } }, /services\.Carts \(the name\): 'Carts' does not match/],
    [{ services: { carts: { replicas: 3 } } }, /services\.carts\.replicas: unknown field \(known: deployment, slo, min-replicas, max-replicas, hpa-floor, policy\)/],
    [{ services: {}, default: {} }, /^sockml\.yaml: default: unknown field \(known: defaults, services\)$/],
    [{ services: {}, defaults: { deployment: 'x' } }, /defaults\.deployment: unknown field/],
    [{ services: { carts: { policy: { name: '' } } } }, /services\.carts\.policy\.name: must not be empty/],
    [{ services: { carts: { policy: { 'scale-down-after': [1] } } } }, /services\.carts\.policy\.scale-down-after: must be a string or a number or a whole number or a boolean, got a list/],
  ])('rejects %j naming the field', (json, message) => {
    expect(() => parseSockmlConfig(json, 'sockml.yaml')).toThrow(message);
  });

  it('reports several problems at once', () => {
    expect(() => parseSockmlConfig({ services: { a: { slo: -1 }, b: { 'max-replicas': 0 } } }, 'f')).toThrow(/services\.a\.slo.*; services\.b\.max-replicas/);
  });
});

describe('the published schema', () => {
  it('docs/sockml.schema.json is SOCKML_CONFIG_SCHEMA (refresh: node scripts/write-config-schema.mjs)', () => {
    expect(JSON.parse(readFileSync(join(REPO, 'docs/sockml.schema.json'), 'utf8'))).toEqual(SOCKML_CONFIG_SCHEMA);
  });

  it('uses only keywords the validator interprets (an unknown keyword would be a check that silently does nothing)', () => {
    const walk = (s: unknown): string[] =>
      s && typeof s === 'object' && !Array.isArray(s)
        ? Object.entries(s).flatMap(([k, v]) => (k === 'properties' ? Object.values(v as object).flatMap(walk) : [k, ...(['additionalProperties', 'propertyNames'].includes(k) ? walk(v) : [])]))
        : [];
    expect(walk(SOCKML_CONFIG_SCHEMA).filter((k) => !SUPPORTED_KEYWORDS.has(k))).toEqual([]);
    expect(() => validateAgainstSchema({}, { oneOf: [] })).toThrow(/unsupported keyword oneOf/);
  });
});
