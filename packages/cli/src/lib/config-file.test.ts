import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_POLICY_NAME, parseSockmlConfig, SchemaError } from '@sockml/core';
import { describe, expect, it } from 'vitest';
import { REPO } from '../test-support.js';
import { configFromSpecs, deploymentsFromConfig, policiesFromConfig, policySpecsFromConfig, readConfigFile, slosFromConfig } from './config-file.js';
import { compressPolicy } from './policy-flags.js';

/** The policy flags as oclif hands them to scale with nothing given: their defaults. */
const FLAG_DEFAULTS = { policy: 'step', 'min-replicas': 1, 'max-replicas': 10 };
const config = (json: unknown) => parseSockmlConfig(json, 'sockml.yaml');
const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'sockml-config-')), 'sockml.yaml');
  writeFileSync(path, text);
  return path;
};
const settings = (p: { config?: unknown }) => p.config as Record<string, number>;

describe('policiesFromConfig: a flag given on the command line > the service > defaults > the flag default', () => {
  const c = config({
    defaults: { 'max-replicas': 8, policy: { scaleDownAfterCalmPolls: 4, scaleUpCooldownMs: '20s' } },
    services: { carts: { 'min-replicas': 2, 'max-replicas': 3, policy: { scaleUpCooldownMs: '5s' } }, user: {} },
  });
  const withHybrid = config({
    defaults: { 'max-replicas': 8, policy: { scaleDownAfterCalmPolls: 4 } },
    services: { carts: {}, orders: { policy: { name: 'hybrid', targetUtilizationPct: 60 } } },
  });

  it.each([
    { name: 'file only', flags: {}, explicit: [], carts: { minReplicas: 2, maxReplicas: 3, scaleUpCooldownMs: 5000, scaleDownAfterCalmPolls: 4 }, shared: { minReplicas: 1, maxReplicas: 8, scaleUpCooldownMs: 20_000, scaleDownAfterCalmPolls: 4 } },
    { name: 'an explicit --max-replicas caps every service', flags: { 'max-replicas': 5 }, explicit: ['max-replicas'], carts: { maxReplicas: 5 }, shared: { maxReplicas: 5 } },
    { name: 'an explicit --policy-set beats the file', flags: { 'policy-set': ['scaleUpCooldownMs=1s'] }, explicit: ['policy-set'], carts: { scaleUpCooldownMs: 1000 }, shared: { scaleUpCooldownMs: 1000 } },
    { name: "an explicit step flag beats the file", flags: { 'scale-down-after': 7 }, explicit: ['scale-down-after'], carts: { scaleDownAfterCalmPolls: 7 }, shared: { scaleDownAfterCalmPolls: 7 } },
    { name: 'a default flag value does not beat the file', flags: { 'max-replicas': 10 }, explicit: [], carts: { maxReplicas: 3 }, shared: { maxReplicas: 8 } },
  ])('$name', async ({ flags, explicit, carts, shared }) => {
    const p = await policiesFromConfig(c, { ...FLAG_DEFAULTS, ...flags }, new Set(explicit), 'sockml.yaml');
    expect(settings(p.perService.carts)).toMatchObject(carts);
    expect(settings(p.shared)).toMatchObject(shared);
    expect(settings(p.perService.user)).toMatchObject({ ...shared, minReplicas: 1 });
    expect(p.perService.carts.name).toBe('step');
  });

  it("a service naming another policy gets that policy with its own settings, not the defaults' step settings", async () => {
    const p = await policiesFromConfig(withHybrid, FLAG_DEFAULTS, new Set(), 'sockml.yaml');
    expect(p.perService.carts.name).toBe('step');
    expect(settings(p.perService.carts).scaleDownAfterCalmPolls).toBe(4);
    expect(p.perService.orders.name).toBe('hybrid');
    expect(settings(p.perService.orders)).toMatchObject({ targetUtilizationPct: 60, maxReplicas: 8 });
    // --policy on the command line wins over the file's names; the file's hybrid settings then do not apply.
    const forced = await policiesFromConfig(config({ services: { orders: { policy: { name: 'hybrid', targetUtilizationPct: 60 } } } }), FLAG_DEFAULTS, new Set(['policy']), 'sockml.yaml');
    expect(forced.perService.orders.name).toBe('step');
  });

  it.each([
    { name: "defaults on step: a hybrid service does not attribute (hybrid's default is 0.55)", json: { services: { orders: { policy: { name: 'hybrid' } } } }, flags: FLAG_DEFAULTS, orders: 0 },
    { name: 'defaults on hybrid: a service takes its attribution', json: { defaults: { policy: { name: 'hybrid', attributionMinUtilization: 0.5 } }, services: { orders: { policy: { targetUtilizationPct: 60 } } } }, flags: FLAG_DEFAULTS, orders: 0.5 },
    { name: 'hybrid by --policy, no setting in the file: the default', json: { services: { orders: {} } }, flags: { ...FLAG_DEFAULTS, policy: 'hybrid' }, orders: 0.55 },
    { name: 'a service that sets its own keeps it (the scaler then refuses the difference)', json: { services: { orders: { policy: { name: 'hybrid', attributionMinUtilization: 0.3 } } } }, flags: FLAG_DEFAULTS, orders: 0.3 },
  ])('callee attribution is the scaler\'s: $name', async ({ json, flags, orders }) => {
    const p = await policiesFromConfig(config(json), flags, new Set(), 'sockml.yaml');
    expect(settings(p.perService.orders).attributionMinUtilization).toBe(orders);
  });

  it("the mid-tier rule is the scaler's too: a service on hybrid takes the defaults' setting", async () => {
    const json = { defaults: { policy: { name: 'hybrid', midTierAttributionMinUtilization: 0.7 } }, services: { orders: { policy: { targetUtilizationPct: 60 } } } };
    const p = await policiesFromConfig(config(json), FLAG_DEFAULTS, new Set(), 'sockml.yaml');
    expect(settings(p.perService.orders).midTierAttributionMinUtilization).toBe(0.7);
    expect(p.perService.orders.attribution).toEqual(p.shared.attribution);
  });

  // Were hybrid's mid-tier default on (it was 0.65 until criterion v5): without config-file's scaler-wide
  // mid-tier pair this service would take it while the shared step policy has none, and the scaler would refuse a setting the file never wrote.
  it('defaults on step: a hybrid service attributes by neither rule, whatever hybrid\'s defaults are', async () => {
    const p = await policiesFromConfig(config({ services: { orders: { policy: { name: 'hybrid' } } } }), FLAG_DEFAULTS, new Set(), 'sockml.yaml');
    expect(p.perService.orders.attribution).toBeUndefined();
  });

  it("a step setting given on the command line is refused for a service the file puts on another policy, naming it", async () => {
    await expect(policiesFromConfig(withHybrid, { ...FLAG_DEFAULTS, 'scale-down-after': 7 }, new Set(['scale-down-after']), 'sockml.yaml')).rejects.toThrow(
      /sockml\.yaml: services\.orders: --scale-down-after is a setting of the step policy, not of 'hybrid'/,
    );
  });

  it('without a file: the flags alone', async () => {
    const p = await policiesFromConfig(undefined, { ...FLAG_DEFAULTS, 'max-replicas': 4 }, new Set(), undefined);
    expect(p.perService).toEqual({});
    expect(settings(p.shared).maxReplicas).toBe(4);
  });

  it.each([
    [{ services: { carts: { policy: { scaleUpCooldwnMs: '5s' } } } }, /sockml\.yaml: services\.carts\.policy: scaling policy step has no setting 'scaleUpCooldwnMs'/],
    [{ services: { carts: { policy: { scaleDownAfterCalmPolls: 'often' } } } }, /sockml\.yaml: services\.carts\.policy: scaleDownAfterCalmPolls: 'often' is not a whole number/],
    [{ services: { carts: { policy: { scaleUpCooldownMs: 'soon' } } } }, /sockml\.yaml: services\.carts\.policy: .*'soon' is not a/],
    [{ services: { carts: { policy: { scaleDownAfterCalmPolls: 0 } } } }, /sockml\.yaml: services\.carts: .*scaleDownAfterCalmPolls/],
    [{ services: { carts: { 'min-replicas': 5, 'max-replicas': 2 } } }, /sockml\.yaml: services\.carts: .*maxReplicas \(2\) is below minReplicas \(5\)/],
    [{ services: { carts: { policy: { maxReplicas: 2 } } } }, /services\.carts\.policy\.maxReplicas: set max-replicas beside policy, not inside it/],
    [{ defaults: { policy: { name: 'pid' } }, services: {} }, /sockml\.yaml: defaults\.policy\.name: unknown policy 'pid' \(known: step, hybrid\)/],
  ])('names the bad field: %j', async (json, message) => {
    await expect(policiesFromConfig(config(json), FLAG_DEFAULTS, new Set(), 'sockml.yaml')).rejects.toThrow(message);
  });
});

describe('configFromSpecs: specs written back as a file give the same specs (experiment run hands scale one)', () => {
  const SCALE_DEFAULTS = { policy: DEFAULT_POLICY_NAME, 'min-replicas': 1, 'max-replicas': 10 };
  const HYBRID = { ...FLAG_DEFAULTS, policy: 'hybrid' };
  it.each([
    { name: 'step defaults, a service on hybrid, bounds per service', json: { defaults: { 'max-replicas': 8, policy: { scaleDownAfterCalmPolls: 4 } }, services: { carts: { 'min-replicas': 2 }, orders: { policy: { name: 'hybrid', targetUtilizationPct: 60 } } } }, flags: FLAG_DEFAULTS, explicit: [] },
    { name: 'hybrid from --policy, a service with its own bounds', json: { services: { user: { 'min-replicas': 3, 'max-replicas': 4 } } }, flags: HYBRID, explicit: ['policy'] },
    { name: 'an explicit --policy-set over the file', json: { defaults: { policy: { name: 'hybrid', leadMs: '30s' } }, services: { catalogue: { policy: { targetUtilizationPct: 90 } } } }, flags: { ...HYBRID, 'policy-set': ['trendPolls=2'] }, explicit: ['policy-set'] },
    { name: 'no services', json: { defaults: { policy: { name: 'hybrid' } }, services: {} }, flags: FLAG_DEFAULTS, explicit: [] },
  ])('$name', ({ json, flags, explicit }) => {
    const specs = policySpecsFromConfig(config(json), flags, new Set(explicit), 'sockml.yaml');
    // What scale gets is read with nothing given on its command line (its flags at their defaults: hybrid, so a
    // layer that left out its policy's name would fall to hybrid and fail the step cases).
    const back = policySpecsFromConfig(config(JSON.parse(JSON.stringify(configFromSpecs(specs)))), SCALE_DEFAULTS, new Set(), 'scale-config.json');
    expect(back).toEqual(specs);
    expect(Object.keys(back.perService).sort()).toEqual(Object.keys(json.services ?? {}).sort());
  });

  it('compressed durations survive the round trip (a 30 s lead at --time-scale 3 is 10 s for every service)', () => {
    const specs = policySpecsFromConfig(config({ defaults: { policy: { name: 'hybrid', leadMs: '30s' } }, services: { carts: { 'min-replicas': 2 } } }), FLAG_DEFAULTS, new Set(), 'sockml.yaml');
    const compressed = { shared: compressPolicy(specs.shared, 3), perService: { carts: compressPolicy(specs.perService.carts, 3) } };
    const back = policySpecsFromConfig(config(JSON.parse(JSON.stringify(configFromSpecs(compressed)))), SCALE_DEFAULTS, new Set(), 'scale-config.json');
    expect([back.shared.settings.leadMs, back.perService.carts.settings.leadMs, back.perService.carts.settings.minReplicas]).toEqual([10_000, 10_000, 2]);
    expect(back).toEqual(compressed);
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
    expect(settings(p.perService['front-end'])).toMatchObject({ minReplicas: 2, maxReplicas: 12, scaleUpCooldownMs: 30_000, scaleDownCooldownMs: 300_000 });
    expect(p.perService.orders.name).toBe('hybrid');
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
