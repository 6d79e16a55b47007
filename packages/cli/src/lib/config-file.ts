/**
 * `--config sockml.yaml`: reads and validates the per-service config file (core's SockmlConfig and its
 * JSON Schema, docs/sockml.schema.json) and merges it with the command's flags. Precedence, highest
 * first: a flag given on the command line (or through its environment variable), the service's own
 * setting, the file's `defaults`, the flag's default. Errors name the file and the field (exit 2).
 */
import { readFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { checkServicePolicies, floorPctByService, isPolicyName, parsePolicySettings, parseSockmlConfig, POLICY_NAMES, POLICY_PARAMETERS, scalingPolicy, type ScalingPolicy, type ServiceSettings, type SockmlConfig } from '@sockml/core';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { InputError } from './base-command.js';
import { policySpecFromFlags, type PolicyFlagValues } from './policy-flags.js';

export const configFlag = {
  config: Flags.string({ description: 'per-service settings (YAML or JSON; schema: docs/sockml.schema.json); flags given on the command line override it', env: 'SOCKML_CONFIG' }),
};

export async function readConfigFile(path: string): Promise<SockmlConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(`--config: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = parseYaml(text); // YAML is a superset of JSON: a .json file reads too
  } catch (e) {
    const line = e instanceof YAMLParseError && e.linePos ? `:${e.linePos[0].line}` : '';
    throw new InputError(`${path}${line}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseSockmlConfig(json ?? {}, path); // a SchemaError naming the field: exit 2
}

/** The flags the user gave (command line or environment), from oclif's parse metadata. */
export function explicitFlags(metadata: { flags: Record<string, { setFromDefault?: boolean } | undefined> }, flags: Record<string, unknown>): Set<string> {
  return new Set(Object.keys(flags).filter((name) => flags[name] !== undefined && !metadata.flags[name]?.setFromDefault));
}

/**
 * The scaler's policies: `shared` for services the file does not name (flags over `defaults`), and one
 * per named service (flags over the service over `defaults`). A layer's `policy.name` picks the policy
 * (--policy on the command line wins); its other keys are that policy's settings, exactly as
 * `--policy-set key=value` takes them (core's POLICY_PARAMETERS: `scaleUpCooldownMs: 30s`, …), and an
 * explicit --policy-set, --min/--max-replicas or step flag wins over them. A layer's settings are for the
 * policy it names, else the one in effect below it (--policy's value under `defaults`); settings for
 * another policy than the one chosen are not applied.
 */
export async function policiesFromConfig(
  config: SockmlConfig | undefined,
  flags: PolicyFlagValues,
  explicit: ReadonlySet<string>,
  file = '--config',
  context: { sloMs?: number } = {},
): Promise<{ shared: ScalingPolicy<any>; perService: Record<string, ScalingPolicy<any>> }> {
  return policiesFromSpecs(policySpecsFromConfig(config, flags, explicit, file, context), file);
}

/** The policies of policySpecsFromConfig's specs (errors name the file and the layer, exit 2). */
export function policiesFromSpecs(
  specs: { shared: PolicySpec; perService: Record<string, PolicySpec> },
  file = '--config',
): { shared: ScalingPolicy<any>; perService: Record<string, ScalingPolicy<any>> } {
  const instance = (where: string, spec: PolicySpec) => {
    try {
      return scalingPolicy(spec.name, spec.settings);
    } catch (e) {
      throw new InputError(`${file}: ${where}: ${(e as Error).message}`);
    }
  };
  const shared = instance('defaults', specs.shared);
  const perService = Object.fromEntries(Object.entries(specs.perService).map(([s, spec]) => [s, instance(`services.${s}`, spec)]));
  return { shared, perService };
}

/**
 * Refuses, as bad input (exit 2, naming the file), per-service policies that attribute otherwise than the shared
 * one, before `replay` or `lab` decides anything; `scale` refuses the same through its ScalingController.
 */
export function refuseServiceAttribution(policies: { shared: ScalingPolicy<any>; perService: Record<string, ScalingPolicy<any>> }, file = '--config'): void {
  try {
    checkServicePolicies(policies.shared, policies.perService);
  } catch (e) {
    throw new InputError(`${file}: ${(e as Error).message}`);
  }
}

/**
 * The warning of a command that counts violations against one SLO (--slo) when the config file sets `slo`,
 * which is collect's setting (its labels per service).
 */
export function configSloWarning(config: SockmlConfig | undefined, file: string | undefined, sloMs: number, what: string): string | undefined {
  if (!config || (config.defaults.slo === undefined && Object.values(config.services).every((s) => s.slo === undefined))) return undefined;
  return `${file}: its slo settings are collect's; ${what} against one SLO, --slo (${sloMs} ms)`;
}

/** A policy as plain data: its name and complete settings (what a worker thread or a child process is handed). */
export type PolicySpec = { name: string; settings: Record<string, number> };

/**
 * policiesFromConfig's policies as specs, the same rules: for `lab`, whose runs build their policies in worker
 * threads. `context` fills the settings the command knows better than the defaults (the --slo), as
 * policySpecFromFlags does.
 */
export function policySpecsFromConfig(
  config: SockmlConfig | undefined,
  flags: PolicyFlagValues,
  explicit: ReadonlySet<string>,
  file = '--config',
  context: { sloMs?: number } = {},
): { shared: PolicySpec; perService: Record<string, PolicySpec> } {
  if (!config) return { shared: policySpecFromFlags(flags, context), perService: {} };
  /** `layers`: [where in the file, settings], lowest precedence first. */
  const build = (where: string, layers: [string, Omit<ServiceSettings, 'deployment'>][], scalerWide: string[] = []) => {
    let name = flags.policy;
    if (!explicit.has('policy')) {
      for (const [at, layer] of layers) {
        if (layer.policy?.name === undefined) continue;
        if (!isPolicyName(layer.policy.name)) throw new InputError(`${file}: ${at}.policy.name: unknown policy '${layer.policy.name}' (known: ${POLICY_NAMES.join(', ')})`);
        name = layer.policy.name;
      }
    }
    const values: PolicyFlagValues = { ...flags, policy: name };
    const pairs: string[] = [];
    // The policy a layer's settings are for: the one it names, else the one in effect below it.
    let inEffect = flags.policy;
    for (const [at, layer] of layers) {
      for (const field of ['min-replicas', 'max-replicas'] as const) if (layer[field] !== undefined && !explicit.has(field)) values[field] = layer[field]!;
      inEffect = layer.policy?.name ?? inEffect;
      if (!layer.policy || inEffect !== name) continue;
      const own = Object.entries(layer.policy.params);
      const bound = own.find(([k]) => k === 'minReplicas' || k === 'maxReplicas');
      if (bound) throw new InputError(`${file}: ${at}.policy.${bound[0]}: set ${bound[0] === 'minReplicas' ? 'min-replicas' : 'max-replicas'} beside policy, not inside it`);
      const layerPairs = own.map(([k, v]) => `${k}=${v}`);
      try {
        parsePolicySettings(name, layerPairs);
      } catch (e) {
        throw new InputError(`${file}: ${at}.policy: ${(e as Error).message}`);
      }
      pairs.push(...layerPairs);
    }
    // Later pairs win: the scaler-wide settings, the file's, then the command line's own --policy-set.
    const takes = (pair: string) => POLICY_PARAMETERS[name as keyof typeof POLICY_PARAMETERS].some((p) => p.key === pair.split('=')[0]);
    values['policy-set'] = [...scalerWide.filter(takes), ...pairs, ...(explicit.has('policy-set') ? (flags['policy-set'] ?? []) : [])];
    try {
      return policySpecFromFlags(values, context);
    } catch (e) {
      throw new InputError(`${file}: ${where}: ${(e as Error).message}`);
    }
  };
  const shared = build('defaults', [['defaults', config.defaults]]);
  // Callee attribution looks across a poll's services, so it is the scaler's (the shared policy's): a
  // service on another policy takes the shared value unless it sets its own (which the controller
  // refuses when it differs). Without this, `defaults: step` and one service on hybrid would give that
  // service hybrid's default attribution, and the file would be refused for a setting it never wrote.
  const scalerWide = [`attributionMinUtilization=${shared.settings.attributionMinUtilization ?? 0}`, `midTierAttributionMinUtilization=${shared.settings.midTierAttributionMinUtilization ?? 0}`];
  const perService: Record<string, PolicySpec> = {};
  for (const [service, s] of Object.entries(config.services)) perService[service] = build(`services.${service}`, [['defaults', config.defaults], [`services.${service}`, s]], scalerWide);
  return { shared, perService };
}

/** The Deployment that backs each service: the config's `deployment`, else the service's own name. */
export function deploymentsFromConfig(config: SockmlConfig | undefined): (service: string) => string {
  return (service) => config?.services[service]?.deployment ?? service;
}

/**
 * collect's SLOs: the label definition's (an explicit --slo, else `defaults.slo`, else --slo's value if
 * any) and the services' own, unless --slo was given on the command line, which overrides them all.
 */
export function slosFromConfig(config: SockmlConfig | undefined, flagSlo: number | undefined, explicit: ReadonlySet<string>, file = '--config'): { sloMs?: number; byService: Record<string, number> } {
  if (!config || explicit.has('slo')) return { sloMs: flagSlo, byService: {} };
  const byService = Object.fromEntries(Object.entries(config.services).flatMap(([s, v]) => (v.slo === undefined ? [] : [[s, v.slo]])));
  const sloMs = config.defaults.slo ?? flagSlo;
  if (sloMs === undefined && Object.keys(byService).length > 0) {
    throw new InputError(`${file}: services ${Object.keys(byService).join(', ')} have an slo but the others none: set defaults.slo (or --slo)`);
  }
  return { sloMs, byService };
}

/**
 * Specs (policySpecsFromConfig's) as a config file that gives them back exactly: every layer spelt out,
 * bounds beside the policy. For a child `scale --config` (experiment run's scaler, its durations already
 * compressed by the time scale), kept beside the run so `replay --config` can take the same decisions.
 */
export function configFromSpecs(specs: { shared: PolicySpec; perService: Record<string, PolicySpec> }): {
  defaults: Record<string, unknown>;
  services: Record<string, Record<string, unknown>>;
} {
  const layer = ({ name, settings }: PolicySpec) => {
    const { minReplicas, maxReplicas, ...params } = settings;
    return { 'min-replicas': minReplicas, 'max-replicas': maxReplicas, policy: { name, ...params } };
  };
  return { defaults: layer(specs.shared), services: Object.fromEntries(Object.entries(specs.perService).map(([s, spec]) => [s, layer(spec)])) };
}

/**
 * `lab`'s and `experiment run`'s reading of --config for Sock Shop's services, one rule for both: the policies
 * (policySpecsFromConfig), refused before any run when the file names a service Sock Shop lacks or attributes per
 * service; every service's replica bounds for every HPA of the run (on a cluster each Deployment's HPA has its
 * own); each service's own floor target (`hpa-floor`: its entry over `defaults`); and the warning when the file
 * sets `slo`, which these commands do not read (`what` they do against --slo instead).
 */
export function sockShopRunConfig(
  config: SockmlConfig | undefined,
  flags: PolicyFlagValues,
  explicit: ReadonlySet<string>,
  file: string | undefined,
  o: { sloMs: number; services: readonly string[]; what: string },
): {
  specs: { shared: PolicySpec; perService: Record<string, PolicySpec> };
  hpaByService?: Record<string, { minReplicas: number; maxReplicas: number }>;
  /**
   * Each service's target for the HPA under sockml, for a run with a floor at hpaFloorPct (null: no floor, {}):
   * the file's own `hpa-floor` where it sets one, else floorPctByService's (floorGiven: --hpa-floor was given).
   * A file that sets `hpa-floor` for a run without a floor is refused: `needs` says what the floor needs.
   */
  floorTargets: (hpaFloorPct: number | null, floorGiven: boolean, needs: string) => Record<string, number>;
  sloWarning?: string;
} {
  const specs = policySpecsFromConfig(config, flags, explicit, file, { sloMs: o.sloMs });
  const unknown = Object.keys(specs.perService).filter((s) => !o.services.includes(s));
  if (unknown.length > 0) throw new InputError(`${file}: services.${unknown[0]}: not a service of Sock Shop (${o.services.join(', ')})`);
  refuseServiceAttribution(policiesFromSpecs(specs, file), file);
  const hpaByService = config
    ? Object.fromEntries(
        o.services.map((s) => {
          const spec = specs.perService[s] ?? specs.shared;
          return [s, { minReplicas: Math.max(1, spec.settings.minReplicas), maxReplicas: spec.settings.maxReplicas }];
        }),
      )
    : undefined;
  return {
    specs,
    ...(hpaByService ? { hpaByService } : {}),
    floorTargets: (hpaFloorPct, floorGiven, needs) => {
      const own = (s: string) => config?.services[s]?.['hpa-floor'] ?? config?.defaults['hpa-floor'];
      if (hpaFloorPct !== null) return floorPctByService(o.services, floorGiven, own);
      if (o.services.some((s) => own(s) !== undefined)) throw new InputError(`${file}: hpa-floor sets the HPA under sockml: it needs ${needs}`);
      return {};
    },
    sloWarning: file === undefined ? undefined : configSloWarning(config, file, o.sloMs, o.what),
  };
}
