import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY, parseSockmlConfig, SchemaError } from '@sockml/core';
import { describe, expect, it } from 'vitest';
import { REPO } from '../test-support.js';
import { deploymentsFromConfig, policiesFromConfig, readConfigFile, slosFromConfig } from './config-file.js';

/** The policy flags as oclif hands them to scale with nothing given: their defaults. */
const FLAG_DEFAULTS = { 'min-replicas': 1, 'max-replicas': 10, 'scale-up-cooldown': '60s', 'scale-down-cooldown': '300s', 'scale-down-after': 10 };
const config = (json: unknown) => parseSockmlConfig(json, 'sockml.yaml');
const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'sockml-config-')), 'sockml.yaml');
  writeFileSync(path, text);
  return path;
};

describe('policiesFromConfig: a flag given on the command line > the service > defaults > the flag default', () => {
  const c = config({
    defaults: { 'max-replicas': 8, policy: { 'scale-down-after': 4, 'scale-up-cooldown': '20s' } },
    services: { carts: { 'min-replicas': 2, 'max-replicas': 3, policy: { 'scale-up-cooldown': '5s' } }, user: {} },
  });

  it.each([
    { name: 'file only', flags: {}, explicit: [], carts: { minReplicas: 2, maxReplicas: 3, scaleUpCooldownMs: 5000, scaleDownAfterCalmPolls: 4 }, shared: { minReplicas: 1, maxReplicas: 8, scaleUpCooldownMs: 20_000, scaleDownAfterCalmPolls: 4 } },
    { name: 'an explicit --max-replicas caps every service', flags: { 'max-replicas': 5 }, explicit: ['max-replicas'], carts: { maxReplicas: 5 }, shared: { maxReplicas: 5 } },
    { name: 'an explicit --scale-up-cooldown beats the file', flags: { 'scale-up-cooldown': '1s' }, explicit: ['scale-up-cooldown'], carts: { scaleUpCooldownMs: 1000 }, shared: { scaleUpCooldownMs: 1000 } },
    { name: 'a default flag value does not beat the file', flags: { 'max-replicas': 10 }, explicit: [], carts: { maxReplicas: 3 }, shared: { maxReplicas: 8 } },
  ])('$name', async ({ flags, explicit, carts, shared }) => {
    const p = await policiesFromConfig(c, { ...FLAG_DEFAULTS, ...flags }, new Set(explicit), 'sockml.yaml');
    expect(p.perService.carts.config).toMatchObject(carts);
    expect(p.shared.config).toMatchObject(shared);
    expect(p.perService.user.config).toMatchObject({ ...shared, minReplicas: 1 });
    expect(p.perService.carts.config.stepUp).toBe(DEFAULT_POLICY.stepUp);
  });

  it('without a file: the flags alone', async () => {
    const p = await policiesFromConfig(undefined, { ...FLAG_DEFAULTS, 'max-replicas': 4 }, new Set(), undefined);
    expect(p.perService).toEqual({});
    expect(p.shared.config.maxReplicas).toBe(4);
  });

  it.each([
    [{ services: { carts: { policy: { 'scale-up-cooldwn': '5s' } } } }, /sockml\.yaml: services\.carts\.policy\.scale-up-cooldwn: not a policy parameter \(known: scale-up-cooldown, scale-down-cooldown, scale-down-after\)/],
    [{ services: { carts: { policy: { 'scale-down-after': 0 } } } }, /sockml\.yaml: services\.carts\.policy\.scale-down-after: .*(greater than or equal to 1|at least 1|1)/],
    [{ services: { carts: { policy: { 'scale-down-after': 'often' } } } }, /services\.carts\.policy\.scale-down-after: .*integer/i],
    [{ services: { carts: { policy: { 'scale-up-cooldown': 'soon' } } } }, /sockml\.yaml: services\.carts: --scale-up-cooldown: 'soon' is not a duration/],
    [{ services: { carts: { 'min-replicas': 5, 'max-replicas': 2 } } }, /sockml\.yaml: services\.carts: scaling policy: maxReplicas \(2\) is below minReplicas \(5\)/],
    [{ services: { carts: { policy: { 'max-replicas': 2 } } } }, /services\.carts\.policy\.max-replicas: set max-replicas beside policy, not inside it/],
    [{ defaults: { policy: { name: 'pid' } }, services: {} }, /sockml\.yaml: defaults\.policy\.name: unknown policy 'pid' \(known: default\)/],
  ])('names the bad field: %j', async (json, message) => {
    await expect(policiesFromConfig(config(json), FLAG_DEFAULTS, new Set(), 'sockml.yaml')).rejects.toThrow(message);
  });
});

describe('slosFromConfig', () => {
  const c = config({ defaults: { slo: 100 }, services: { carts: { slo: 20 }, user: {} } });
  it.each([
    { name: 'defaults and per service', cfg: c, flag: undefined, explicit: [], want: { sloMs: 100, byService: { carts: 20 } } },
    { name: '--slo given overrides them all', cfg: c, flag: 50, explicit: ['slo'], want: { sloMs: 50, byService: {} } },
    { name: 'no file', cfg: undefined, flag: 50, explicit: ['slo'], want: { sloMs: 50, byService: {} } },
    { name: 'no SLO anywhere: no labels', cfg: config({ services: { user: {} } }), flag: undefined, explicit: [], want: { sloMs: undefined, byService: {} } },
  ])('$name', ({ cfg, flag, explicit, want }) => {
    expect(slosFromConfig(cfg, flag, new Set(explicit))).toEqual(want);
  });
  it('a service SLO without one for the others is refused', () => {
    expect(() => slosFromConfig(config({ services: { carts: { slo: 20 }, user: {} } }), undefined, new Set(), 'f.yaml')).toThrow(/f\.yaml: services carts have an slo but the others none: set defaults\.slo/);
  });
});

describe('readConfigFile', () => {
  it('reads docs/sockml.example.yaml (the documented example is valid)', async () => {
    const c = await readConfigFile(join(REPO, 'docs/sockml.example.yaml'));
    expect(Object.keys(c.services)).toEqual(['front-end', 'carts', 'orders', 'catalogue']);
    const p = await policiesFromConfig(c, FLAG_DEFAULTS, new Set(), 'example');
    expect(p.perService['front-end'].config).toMatchObject({ minReplicas: 2, maxReplicas: 12, scaleUpCooldownMs: 30_000 });
    expect(slosFromConfig(c, undefined, new Set())).toEqual({ sloMs: 35.68, byService: { carts: 50 } });
    expect(deploymentsFromConfig(c)('orders')).toBe('orders');
    expect(deploymentsFromConfig(c)('user')).toBe('user');
  });

  it('JSON reads as YAML', async () => {
    expect(await readConfigFile(file('{"services": {"carts": {"deployment": "carts-v2"}}}'))).toMatchObject({ services: { carts: { deployment: 'carts-v2' } } });
  });

  it.each([
    ['services:\n  carts: {max-replicas: 0}\n', SchemaError, /sockml\.yaml: services\.carts\.max-replicas: must be ≥ 1, got 0/],
    ['services:\n  carts:\n    slo: [1\n', Error, /sockml\.yaml:\d+: not valid YAML/],
    ['', SchemaError, /services: missing/],
  ])('%j is refused naming the file and what is wrong', async (text, type, message) => {
    const p = file(text);
    const e = await readConfigFile(p).catch((x) => x);
    expect(e).toBeInstanceOf(type);
    expect(e.message).toMatch(message);
  });

  it('a missing file', async () => {
    await expect(readConfigFile('/nonexistent/sockml.yaml')).rejects.toThrow(/--config: cannot read \/nonexistent\/sockml\.yaml \(ENOENT\)/);
  });
});
