/**
 * `--config sockml.yaml`: reads and validates the per-service config file (core's SockmlConfig and its
 * JSON Schema, docs/sockml.schema.json) and merges it with the command's flags. Precedence, highest
 * first: a flag given on the command line (or through its environment variable), the service's own
 * setting, the file's `defaults`, the flag's default. Errors name the file and the field (exit 2).
 */
import { readFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { parseSockmlConfig, type PolicySettings, type ScalingPolicy, type ServiceSettings, type SockmlConfig } from '@sockml/core';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { InputError } from './base-command.js';
import { policyFlags, policyFromFlags, type PolicyFlagValues } from './policy-flags.js';

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

/** Policy names a config may ask for: scale's --policy options where it has that flag, else the one built-in policy. */
export function knownPolicyNames(): readonly string[] {
  return (policyFlags as Record<string, { options?: readonly string[] }>).policy?.options ?? ['default'];
}

/** Parameters that are fields of their own in the config, not policy parameters. */
const OWN_FIELDS: Record<string, string> = { 'min-replicas': 'min-replicas', 'max-replicas': 'max-replicas' };

/**
 * The scaler's policies: `shared` for services the file does not name (flags over `defaults`), and one
 * per named service (flags over the service over `defaults`).
 */
export async function policiesFromConfig(
  config: SockmlConfig | undefined,
  flags: PolicyFlagValues & Record<string, unknown>,
  explicit: ReadonlySet<string>,
  file = '--config',
): Promise<{ shared: ScalingPolicy; perService: Record<string, ScalingPolicy> }> {
  if (!config) return { shared: policyFromFlags(flags), perService: {} };
  /** `layers`: [where in the file, settings], lowest precedence first. */
  const build = async (where: string, layers: [string, Omit<ServiceSettings, 'deployment'>][]) => {
    const values: Record<string, unknown> = { ...flags };
    for (const [at, layer] of layers) {
      for (const field of ['min-replicas', 'max-replicas'] as const) if (layer[field] !== undefined && !explicit.has(field)) values[field] = layer[field];
      if (layer.policy) Object.assign(values, await policyValues(`${at}.policy`, layer.policy, explicit));
    }
    try {
      return policyFromFlags(values as unknown as PolicyFlagValues);
    } catch (e) {
      throw new InputError(`${file}: ${where}: ${(e as Error).message}`);
    }
  };
  const policyValues = async (where: string, p: PolicySettings, explicitSet: ReadonlySet<string>) => {
    const out: Record<string, unknown> = {};
    if (p.name !== undefined) {
      const names = knownPolicyNames();
      if (!names.includes(p.name)) throw new InputError(`${file}: ${where}.name: unknown policy '${p.name}' (known: ${names.join(', ')})`);
      if ('policy' in policyFlags && !explicitSet.has('policy')) out.policy = p.name;
    }
    for (const [key, raw] of Object.entries(p.params)) {
      if (OWN_FIELDS[key]) throw new InputError(`${file}: ${where}.${key}: set ${key} beside policy, not inside it`);
      const def = (policyFlags as Record<string, { parse?: (input: string, ctx: unknown, opts: unknown) => Promise<unknown> }>)[key];
      if (!def || key === 'policy') throw new InputError(`${file}: ${where}.${key}: not a policy parameter (known: ${Object.keys(policyFlags).filter((k) => !OWN_FIELDS[k] && k !== 'policy').join(', ')})`);
      if (explicitSet.has(key)) continue; // the command line wins
      try {
        out[key] = def.parse ? await def.parse(String(raw), {}, def) : String(raw);
      } catch (e) {
        throw new InputError(`${file}: ${where}.${key}: ${(e as Error).message}`);
      }
    }
    return out;
  };
  const shared = await build('defaults', [['defaults', config.defaults]]);
  const perService: Record<string, ScalingPolicy> = {};
  for (const [service, s] of Object.entries(config.services)) perService[service] = await build(`services.${service}`, [['defaults', config.defaults], [`services.${service}`, s]]);
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
