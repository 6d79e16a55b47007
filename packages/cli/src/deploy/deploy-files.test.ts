/**
 * Consistency of docker/ (Dockerfile, compose.yaml, prometheus.yml, k8s/) with the code. Nothing in
 * docker/ can run on the CI machine (no Docker, no Kubernetes), so this is what guards those files:
 * every sockml command line in them is parsed against the REAL oclif command classes (the built
 * packages/cli/dist/commands), model paths are checked against models/, the RBAC Role against what the
 * Kubernetes actuator needs, the probes against serve-model's --port, Prometheus targets against the
 * Compose services. Failures name the file, the service or object, and the problem.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSockml, type SockmlChild } from '../lib/sockml-child.js';
import { freePort } from '../testing/ports.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const DOCKER = join(REPO, 'docker');
const DIST_COMMANDS = join(REPO, 'packages/cli/dist/commands');
const SRC_COMMANDS = join(REPO, 'packages/cli/src/commands');
const rel = (p: string) => relative(REPO, p).split('\\').join('/');

/** The sockml image's entrypoint (docker/Dockerfile); containers pass the subcommand as arguments. */
const ENTRYPOINT = ['node', 'packages/cli/bin/run.js'];
/** The namespaces the brief fixes: sockml's own, and Sock Shop's (where scale acts). */
const SOCKML_NS = 'sockml';
const SOCKSHOP_NS = 'sock-shop';
/** What the Kubernetes actuator does (GET then PUT of the scale subresource); patch is tolerated. */
const RBAC_NEEDED = ['get', 'update'];
const RBAC_ALLOWED = ['get', 'update', 'patch'];
/**
 * And HorizontalPodAutoscalers: list, to leave HPA-owned Deployments alone (--actuator kubernetes); get and
 * update, to set an HPA's minReplicas (--actuator kubernetes-hpa-floor). No patch, create or delete.
 */
const RBAC_HPA = { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'list', 'update'] };
/** And, to record each change as the HPA does, create Events (nothing else on them). */
const RBAC_EVENTS = { apiGroups: [''], resources: ['events'], verbs: ['create'] };
/** The long-running commands: each serves /metrics and /healthz on --port. */
const SERVING = ['collect', 'serve-model', 'scale'];

// ---------------------------------------------------------------------------------------- YAML files

type Obj = Record<string, any>;

/** Every document of a YAML file (multi-document aware, merge keys `<<:` on, as Compose resolves them). */
function readYaml(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: Obj[] = [];
  list.forEach((doc, i) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) throw new Error(`${rel(file)} (document ${i + 1}): ${problems.map((e) => e.message).join('; ')}`);
    const js = doc.toJS({ maxAliasCount: -1 });
    if (js !== null && js !== undefined) out.push(js);
  });
  return out;
}

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );

// ------------------------------------------------------------------------------- the real commands

interface FlagDef {
  name: string;
  type: 'option' | 'boolean';
  char?: string;
  env?: string;
  required?: boolean;
  options?: readonly string[];
  allowNo?: boolean;
  multiple?: boolean;
  parse?: (input: string, ctx: unknown, opts: unknown) => Promise<unknown>;
}
interface CommandClass {
  flags?: Record<string, FlagDef>;
  baseFlags?: Record<string, FlagDef>;
  args?: Record<string, { required?: boolean }>;
  strict?: boolean;
  enableJsonFlag?: boolean;
}

const commandCache = new Map<string, CommandClass | null>();

/** `['dataset', 'build']` → the built command class, or null if there is no such command. */
async function loadCommand(parts: string[]): Promise<CommandClass | null> {
  const key = parts.join(' ');
  if (commandCache.has(key)) return commandCache.get(key)!;
  const built = join(DIST_COMMANDS, ...parts) + '.js';
  let cls: CommandClass | null = null;
  if (existsSync(built)) cls = (await import(pathToFileURL(built).href)).default as CommandClass;
  else if (existsSync(join(SRC_COMMANDS, ...parts) + '.ts')) {
    throw new Error(`packages/cli/src/commands/${parts.join('/')}.ts is not built: run \`cd packages/cli && npx tsc -p .\` (or pnpm -r run build)`);
  }
  commandCache.set(key, cls);
  return cls;
}

if (!existsSync(join(DIST_COMMANDS, 'scale.js'))) {
  throw new Error('packages/cli is not built: run `cd packages/cli && npx tsc -p .` (or pnpm -r run build, as scripts/test.sh does)');
}

// ------------------------------------------------------------------------ sockml command lines

/** One container that runs the sockml image, wherever it was declared. */
interface Invocation {
  /** e.g. "docker/compose.yaml service scale" or "docker/k8s/30-scale.yaml Deployment sockml/sockml-scale container scale". */
  where: string;
  /** The arguments after the entrypoint: subcommand, flags, positional arguments. */
  argv: string[];
  /** Environment variables the container gets, with their value when it is known literally. */
  env: Map<string, string | undefined>;
  /** Kubernetes container (for probe checks) or Compose service (for healthchecks). */
  raw: Obj;
}

interface ParsedInvocation {
  command: string;
  flags: Map<string, string[]>;
  positional: string[];
  errors: string[];
}

/** A value this test cannot know (a Kubernetes `$(VAR)` reference, a valueFrom): checked for presence only. */
const isReference = (v: string) => /\$\([A-Za-z_][A-Za-z0-9_]*\)/.test(v);

/** Parses `inv.argv` as oclif would for the real command, collecting every problem as a message. */
async function parseInvocation(inv: Invocation): Promise<ParsedInvocation> {
  const errors: string[] = [];
  const at = inv.where;
  // The subcommand is the longest run of leading words that names a built command (topics: `dataset build`).
  const words: string[] = [];
  for (const a of inv.argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  let cls: CommandClass | null = null;
  let used = 0;
  for (let n = words.length; n >= 1 && !cls; n--) {
    cls = await loadCommand(words.slice(0, n));
    if (cls) used = n;
  }
  const command = words.slice(0, used).join(' ');
  const result: ParsedInvocation = { command, flags: new Map(), positional: [], errors };
  if (!cls) {
    errors.push(`${at}: \`sockml ${words[0] ?? ''}\` is not a sockml command (argv: ${JSON.stringify(inv.argv)})`);
    return result;
  }

  const defs: Record<string, FlagDef> = { ...(cls.baseFlags ?? {}), ...(cls.flags ?? {}) };
  if (cls.enableJsonFlag) defs.json = { name: 'json', type: 'boolean' };
  for (const [name, d] of Object.entries(defs)) d.name ??= name;
  const byChar = new Map(Object.values(defs).filter((d) => d.char).map((d) => [d.char!, d]));
  const rest = inv.argv.slice(used);

  for (let i = 0; i < rest.length; i++) {
    const tok = rest[i];
    if (tok === '--') {
      result.positional.push(...rest.slice(i + 1));
      break;
    }
    if (!tok.startsWith('-') || tok === '-') {
      result.positional.push(tok);
      continue;
    }
    const long = tok.startsWith('--');
    const body = tok.slice(long ? 2 : 1);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    let inline = eq >= 0 ? body.slice(eq + 1) : undefined;
    let def = long ? defs[name] : byChar.get(name);
    let negated = false;
    if (!def && long && name.startsWith('no-') && defs[name.slice(3)]?.allowNo) {
      def = defs[name.slice(3)];
      negated = true;
    }
    if (!def) {
      errors.push(`${at}: ${tok.split('=')[0]} is not a flag of \`sockml ${command}\` (its flags: ${Object.keys(defs).map((f) => '--' + f).join(', ')})`);
      continue;
    }
    const flag = `--${def.name}`;
    if (def.type === 'boolean') {
      if (inline !== undefined) errors.push(`${at}: ${flag} is a boolean flag of \`sockml ${command}\` and takes no value (got '${inline}')`);
      result.flags.set(def.name, [negated ? 'false' : 'true']);
      continue;
    }
    if (inline === undefined) {
      inline = rest[i + 1];
      if (inline === undefined || (inline.startsWith('-') && inline !== '-')) {
        errors.push(`${at}: ${flag} of \`sockml ${command}\` needs a value`);
        continue;
      }
      i++;
    }
    if (result.flags.has(def.name) && !def.multiple) errors.push(`${at}: ${flag} is given twice to \`sockml ${command}\``);
    result.flags.set(def.name, [...(result.flags.get(def.name) ?? []), inline]);
    errors.push(...(await checkValue(def, inline, `${at}: ${flag}`, command)));
  }

  // Positional arguments: only where the command declares them (or is not strict).
  const argDefs = Object.entries(cls.args ?? {});
  if (argDefs.length === 0 && cls.strict !== false && result.positional.length > 0) {
    errors.push(`${at}: \`sockml ${command}\` takes no arguments, got ${JSON.stringify(result.positional)}`);
  }
  argDefs.forEach(([name, a], i) => {
    if (a.required && result.positional[i] === undefined) errors.push(`${at}: \`sockml ${command}\` needs the argument <${name}>`);
  });

  // Required flags: given on the command line, or through the environment variable oclif reads for them.
  for (const d of Object.values(defs)) {
    if (!d.required || result.flags.has(d.name)) continue;
    if (d.env && inv.env.has(d.env)) {
      const value = inv.env.get(d.env);
      if (value === undefined) continue; // from a ConfigMap or secret: its presence is checked elsewhere
      if (value === '') errors.push(`${at}: ${d.env} (for --${d.name} of \`sockml ${command}\`) is empty`);
      else errors.push(...(await checkValue(d, value, `${at}: ${d.env} (for --${d.name})`, command)));
      continue;
    }
    errors.push(`${at}: \`sockml ${command}\` needs --${d.name}${d.env ? ` or the environment variable ${d.env}` : ''}, and gets neither`);
  }
  return result;
}

/** A flag value: among the flag's options, and accepted by the flag's own parser (integers, min/max). */
async function checkValue(def: FlagDef, value: string, what: string, command: string): Promise<string[]> {
  if (isReference(value)) return [];
  if (def.options && !def.options.includes(value)) {
    return [`${what}: '${value}' is not one of the values \`sockml ${command}\` accepts (${def.options.join(', ')})`];
  }
  if (def.parse) {
    try {
      await def.parse(value, {}, def);
    } catch (e) {
      return [`${what}: '${value}' is rejected by \`sockml ${command}\`: ${(e as Error).message}`];
    }
  }
  return [];
}

// ------------------------------------------------------------------------------------- Compose

const COMPOSE_FILE = join(DOCKER, 'compose.yaml');
const compose = readYaml(COMPOSE_FILE)[0];
const services: Record<string, Obj> = compose?.services ?? {};

/** Compose's own variable substitution, with the defaults (what `docker compose up` uses with no .env). */
function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, name, op, dflt) => {
    if (m === '$$') return '$';
    return op === ':-' || op === '-' ? dflt : '';
  });
}

const toArgv = (v: unknown): string[] | undefined =>
  v === undefined || v === null ? undefined : Array.isArray(v) ? v.map((x) => interpolate(String(x))) : interpolate(String(v)).trim().split(/\s+/);

function composeEnv(service: Obj): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  const e = service.environment;
  if (Array.isArray(e)) {
    for (const item of e) {
      const s = String(item);
      const i = s.indexOf('=');
      env.set(i >= 0 ? s.slice(0, i) : s, i >= 0 ? interpolate(s.slice(i + 1)) : undefined);
    }
  } else if (e && typeof e === 'object') {
    for (const [k, v] of Object.entries(e)) env.set(k, v === null ? undefined : interpolate(String(v)));
  }
  return env;
}

/** A Compose service runs sockml if it builds docker/Dockerfile or uses the sockml image. */
function composeRunsSockml(service: Obj): boolean {
  const b = service.build;
  if (b) {
    const context = resolve(DOCKER, typeof b === 'string' ? b : (b.context ?? '.'));
    const dockerfile = resolve(context, typeof b === 'string' ? 'Dockerfile' : (b.dockerfile ?? 'Dockerfile'));
    if (dockerfile === join(DOCKER, 'Dockerfile')) return true;
  }
  return typeof service.image === 'string' && /(^|\/)sockml(:|@|$)/.test(service.image);
}

function composeInvocations(): Invocation[] {
  return Object.entries(services)
    .filter(([, s]) => composeRunsSockml(s))
    .map(([name, s]) => {
      const where = `docker/compose.yaml service ${name}`;
      let argv = toArgv(s.command) ?? [];
      const entrypoint = toArgv(s.entrypoint);
      if (entrypoint) {
        if (entrypoint.slice(0, 2).join(' ') !== ENTRYPOINT.join(' ')) throw new Error(`${where}: entrypoint ${JSON.stringify(entrypoint)} does not run sockml (${ENTRYPOINT.join(' ')})`);
        argv = [...entrypoint.slice(2), ...argv];
      }
      return { where, argv, env: composeEnv(s), raw: s };
    });
}

// ---------------------------------------------------------------------------------- Kubernetes

const K8S_DIR = join(DOCKER, 'k8s');
interface K8sObject {
  file: string;
  doc: Obj;
}
const k8sObjects: K8sObject[] = yamlFiles(K8S_DIR).flatMap((file) => readYaml(file).map((doc) => ({ file: rel(file), doc })));
const manifests = k8sObjects.filter((o) => o.doc.kind !== 'Kustomization');
const ofKind = (kind: string) => manifests.filter((o) => o.doc.kind === kind);
const label = (o: K8sObject) => `${o.file} ${o.doc.kind} ${o.doc.metadata?.namespace ?? '(no namespace)'}/${o.doc.metadata?.name}`;

/** The pod spec of a workload object, if it has one. */
function podSpec(doc: Obj): Obj | undefined {
  if (doc.kind === 'Pod') return doc.spec;
  if (doc.kind === 'CronJob') return doc.spec?.jobTemplate?.spec?.template?.spec;
  return doc.spec?.template?.spec;
}
const workloads = manifests.filter((o) => podSpec(o.doc));
const isSockmlImage = (image: unknown) => typeof image === 'string' && /(^|\/)sockml(:|@|$)/.test(image);

function k8sEnv(container: Obj): Map<string, string | undefined> {
  const env = new Map<string, string | undefined>();
  for (const e of container.env ?? []) env.set(e.name, e.value !== undefined ? String(e.value) : undefined);
  return env;
}

interface K8sInvocation extends Invocation {
  object: K8sObject;
}

function k8sInvocations(): K8sInvocation[] {
  return workloads.flatMap((o) =>
    [...(podSpec(o.doc)!.initContainers ?? []), ...(podSpec(o.doc)!.containers ?? [])]
      .filter((c: Obj) => isSockmlImage(c.image))
      .map((c: Obj) => {
        const where = `${label(o)} container ${c.name}`;
        let argv = (c.args ?? []).map(String);
        if (c.command) {
          const cmd = c.command.map(String);
          if (cmd.slice(0, 2).join(' ') !== ENTRYPOINT.join(' ')) throw new Error(`${where}: command ${JSON.stringify(cmd)} does not run sockml (${ENTRYPOINT.join(' ')})`);
          argv = [...cmd.slice(2), ...argv];
        }
        return { where, argv, env: k8sEnv(c), raw: c, object: o };
      }),
  );
}

// ------------------------------------------------------------------- parse every invocation once

const composeRuns = await Promise.all(composeInvocations().map(async (inv) => ({ inv, parsed: await parseInvocation(inv) })));
const k8sRuns = await Promise.all(k8sInvocations().map(async (inv) => ({ inv, parsed: await parseInvocation(inv) })));
const allRuns = [...composeRuns, ...k8sRuns];
const flagOf = (p: ParsedInvocation, name: string) => p.flags.get(name)?.[0];

const modelFiles = readdirSync(join(REPO, 'models')).filter((f) => f.endsWith('.onnx')).sort();

// ------------------------------------------------------------------------------------------ tests

describe('docker/: every YAML file parses', () => {
  it.each(yamlFiles(DOCKER).map(rel))('%s', (file) => {
    expect(() => readYaml(join(REPO, file))).not.toThrow();
  });
});

describe('docker/: sockml command lines agree with the real CLI (packages/cli/dist/commands)', () => {
  it('there are sockml containers to check in compose.yaml and k8s/', () => {
    expect(composeRuns.length, 'docker/compose.yaml: no service builds docker/Dockerfile or uses the sockml image').toBeGreaterThan(0);
    expect(k8sRuns.length, 'docker/k8s: no container uses the sockml image').toBeGreaterThan(0);
  });

  for (const { inv, parsed } of allRuns) {
    it(`${inv.where}: sockml ${inv.argv.join(' ')}`, () => {
      expect(parsed.errors, parsed.errors.join('\n')).toEqual([]);
    });
  }

  it('model paths (--model, --models) exist in the repository (the image copies models/ to its working directory)', () => {
    const problems: string[] = [];
    for (const { inv, parsed } of allRuns) {
      const model = flagOf(parsed, 'model');
      if (model !== undefined) {
        if (posix.isAbsolute(model)) problems.push(`${inv.where}: --model ${model} is absolute; the image runs from /app with models/ in it, use models/<name>.onnx`);
        else if (!existsSync(join(REPO, model))) problems.push(`${inv.where}: --model ${model} does not exist in the repository`);
        else if (!existsSync(join(REPO, model.replace(/\.onnx$/, '.card.json')))) problems.push(`${inv.where}: --model ${model} has no model card beside it`);
      }
      const models = flagOf(parsed, 'models');
      if (models !== undefined && !existsSync(join(REPO, models))) problems.push(`${inv.where}: --models ${models} does not exist in the repository`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it.each([
    ['docker/compose.yaml', composeRuns],
    ['docker/k8s', k8sRuns],
  ] as const)('%s runs one serve-model per model in models/, and collect and scale', (_, runs) => {
    const served = runs.filter((r) => r.parsed.command === 'serve-model').map((r) => posix.basename(flagOf(r.parsed, 'model') ?? '?'));
    expect(served.sort(), `serve-model --model values vs models/*.onnx (scale expects a vote from every model in models/)`).toEqual(modelFiles);
    const commands = new Set(runs.map((r) => r.parsed.command));
    expect(commands.has('collect'), 'no container runs `sockml collect`').toBe(true);
    expect(commands.has('scale'), 'no container runs `sockml scale`').toBe(true);
  });
});

describe('docker/Dockerfile', () => {
  const text = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l));
  const rootPackage = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

  it('builds on node:20-slim with the pinned pnpm, the frozen lockfile and the workspace build', () => {
    expect(lines.filter((l) => /^FROM\s/i.test(l)).every((l) => /^FROM\s+node:20-slim(\s|$)/i.test(l)), 'every stage must be FROM node:20-slim').toBe(true);
    const pinned = String(rootPackage.packageManager).replace(/^pnpm@/, '');
    expect(text, `pnpm must be installed at package.json's packageManager version ${pinned}`).toContain(`npm i -g pnpm@${pinned}`);
    expect(text).toMatch(/pnpm install --frozen-lockfile/);
    expect(text).toMatch(/pnpm -r run build/);
    expect(text, 'install scripts must not be forced on (onnxruntime-node would download CUDA files)').not.toMatch(/dangerously-allow-all-builds|--allow-build/);
  });

  it("keeps onnxruntime-node's install script disabled (pnpm-workspace.yaml allowBuilds, which the image copies)", () => {
    const workspace = readYaml(join(REPO, 'pnpm-workspace.yaml'))[0];
    expect(workspace.allowBuilds?.['onnxruntime-node']).toBe(false);
    expect(text).toMatch(/COPY[^\n]*pnpm-workspace\.yaml/);
  });

  it('has the CLI as entrypoint and copies models/', () => {
    const entry = lines.filter((l) => /^ENTRYPOINT\s/i.test(l)).at(-1);
    expect(entry, 'no ENTRYPOINT').toBeDefined();
    expect(JSON.parse(entry!.replace(/^ENTRYPOINT\s+/i, ''))).toEqual(ENTRYPOINT);
    expect(existsSync(join(REPO, ENTRYPOINT[1]))).toBe(true);
    expect(lines.some((l) => /^COPY\s+models\/?\s/i.test(l)), 'COPY models/ …').toBe(true);
  });

  it('copies only paths that exist in the repository (the build context)', () => {
    const missing: string[] = [];
    for (const l of lines.filter((x) => /^COPY\s/i.test(x) && !/--from=/i.test(x))) {
      const parts = l.trim().split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
      for (const src of parts.slice(0, -1)) if (!existsSync(join(REPO, src))) missing.push(`docker/Dockerfile: COPY ${src}: not in the repository`);
    }
    expect(missing, missing.join('\n')).toEqual([]);
  });
});

describe('docker/compose.yaml', () => {
  it('has the Sock Shop services, Prometheus and Kafka', () => {
    const expected = ['front-end', 'catalogue', 'catalogue-db', 'carts', 'carts-db', 'orders', 'orders-db', 'payment', 'shipping', 'queue-master', 'rabbitmq', 'user', 'user-db', 'prometheus', 'kafka'];
    expect(expected.filter((s) => !services[s]), 'services missing from docker/compose.yaml').toEqual([]);
    for (const s of ['front-end', 'catalogue', 'catalogue-db', 'carts', 'orders', 'payment', 'shipping', 'queue-master', 'user', 'user-db']) {
      expect(services[s].image, `docker/compose.yaml service ${s}`).toMatch(new RegExp(`^weaveworksdemos/${s}:`));
    }
    expect(services.prometheus.image).toMatch(/^prom\/prometheus:/);
    expect(services.kafka.image).toMatch(/^apache\/kafka:/);
  });

  it('builds the sockml image from the repository root with docker/Dockerfile', () => {
    for (const { inv } of composeRuns) {
      const b = inv.raw.build;
      if (!b) continue;
      expect(resolve(DOCKER, b.context ?? '.'), `${inv.where}: build context`).toBe(REPO);
    }
  });

  it('depends_on names only services that exist', () => {
    const problems: string[] = [];
    for (const [name, s] of Object.entries(services)) {
      const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});
      for (const d of deps) if (!services[d]) problems.push(`docker/compose.yaml service ${name}: depends_on ${d}, which is not a service`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it("sockml containers reach Kafka on a listener the broker advertises to the compose network", () => {
    const env = composeEnv(services.kafka);
    const advertised = (env.get('KAFKA_ADVERTISED_LISTENERS') ?? '')
      .split(',')
      .map((l) => l.replace(/^[A-Z_]+:\/\//, ''))
      .filter((hp) => !/^(localhost|127\.0\.0\.1):/.test(hp));
    expect(advertised.length, 'docker/compose.yaml service kafka: no KAFKA_ADVERTISED_LISTENERS for in-compose clients').toBeGreaterThan(0);
    const problems: string[] = [];
    for (const { inv, parsed } of composeRuns) {
      const brokers = flagOf(parsed, 'kafka') ?? inv.env.get('SOCKML_KAFKA');
      if (brokers === undefined) problems.push(`${inv.where}: neither --kafka nor SOCKML_KAFKA`);
      else for (const b of brokers.split(',')) if (!advertised.includes(b.trim())) problems.push(`${inv.where}: Kafka address ${b} is not an advertised listener (${advertised.join(', ')})`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('runs the Kafka version the integration tests use (scripts/kafka.sh)', () => {
    const script = join(REPO, 'scripts/kafka.sh');
    if (!existsSync(script)) return;
    const version = /KAFKA_VERSION="\$\{SOCKML_KAFKA_VERSION:-([^}]+)\}"/.exec(readFileSync(script, 'utf8'))?.[1];
    if (!version) return;
    expect(services.kafka.image, `docker/compose.yaml service kafka: scripts/kafka.sh tests against Kafka ${version}`).toBe(`apache/kafka:${version}`);
  });

  it('scale runs in shadow mode by default (--actuator log)', () => {
    const scale = composeRuns.filter((r) => r.parsed.command === 'scale');
    expect(scale.length).toBeGreaterThan(0);
    for (const r of scale) expect(flagOf(r.parsed, 'actuator') ?? 'log', `${r.inv.where}: --actuator`).toBe('log');
  });

  it('collect, serve-model and scale healthchecks ask /healthz on the --port the service is given', () => {
    const problems: string[] = [];
    const serving = composeRuns.filter((r) => SERVING.includes(r.parsed.command));
    expect(new Set(serving.map((r) => r.parsed.command))).toEqual(new Set(SERVING));
    for (const { inv, parsed } of serving) {
      const port = flagOf(parsed, 'port');
      if (!port || port === '0') {
        problems.push(`${inv.where}: ${parsed.command} needs a fixed --port (0 picks a random one) for its healthcheck`);
        continue;
      }
      const test = [].concat(inv.raw.healthcheck?.test ?? []).join(' ');
      if (!new RegExp(`(127\\.0\\.0\\.1|localhost):${port}/healthz`).test(test)) problems.push(`${inv.where}: healthcheck ${JSON.stringify(test)} does not ask /healthz on port ${port}`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('mounts docker/prometheus.yml into Prometheus', () => {
    const volumes: string[] = (services.prometheus.volumes ?? []).map((v: unknown) => (typeof v === 'string' ? v : `${(v as Obj).source}:${(v as Obj).target}`));
    expect(volumes.some((v) => resolve(DOCKER, v.split(':')[0]) === join(DOCKER, 'prometheus.yml') && v.split(':')[1] === '/etc/prometheus/prometheus.yml'), JSON.stringify(volumes)).toBe(true);
  });
});

describe('docker/prometheus.yml', () => {
  const config = readYaml(join(DOCKER, 'prometheus.yml'))[0];
  const jobs: Obj[] = config.scrape_configs ?? [];

  const isSockmlJob = (job: Obj) => String(job.job_name).startsWith('sockml-');

  it('scrapes only Compose services, and each Sock Shop job is named after the service it scrapes', async () => {
    const core = (await import('@sockml/core')) as { resolveService?: (labels: Record<string, string>) => string | null };
    const serviceOfJob = (job: string) => core.resolveService?.({ job }) ?? job; // how collect names the series
    expect(jobs.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const job of jobs.filter((j) => !isSockmlJob(j))) {
      for (const target of (job.static_configs ?? []).flatMap((c: Obj) => c.targets ?? [])) {
        const host = String(target).replace(/:\d+$/, '');
        if (!services[host]) problems.push(`docker/prometheus.yml job ${job.job_name}: target ${target} is not a service of docker/compose.yaml`);
        else if (serviceOfJob(job.job_name) !== host) problems.push(`docker/prometheus.yml job ${job.job_name}: collect would name its series '${serviceOfJob(job.job_name)}', but it scrapes ${host}`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('scrapes each sockml process at its --port, in a job sockml-<command> (the names the dashboard selects)', () => {
    const problems: string[] = [];
    const wanted = new Map<string, string[]>(); // job → the host:port of every compose service running that command
    for (const { inv, parsed } of composeRuns.filter((r) => SERVING.includes(r.parsed.command))) {
      const host = flagOf(parsed, 'host') ?? '127.0.0.1';
      if (/^(127\.|localhost$)/.test(host)) problems.push(`${inv.where}: ${parsed.command} listens on ${host}; Prometheus on the compose network cannot scrape it (--host 0.0.0.0)`);
      const service = inv.where.replace('docker/compose.yaml service ', '');
      const job = `sockml-${parsed.command}`;
      wanted.set(job, [...(wanted.get(job) ?? []), `${service}:${flagOf(parsed, 'port')}`]);
    }
    for (const [job, targets] of wanted) {
      const scrape = jobs.find((j) => j.job_name === job);
      if (!scrape) problems.push(`docker/prometheus.yml: no job ${job} (scraping ${targets.join(', ')})`);
      else {
        const have = (scrape.static_configs ?? []).flatMap((c: Obj) => c.targets ?? []).sort();
        if (JSON.stringify(have) !== JSON.stringify([...targets].sort())) problems.push(`docker/prometheus.yml job ${job}: targets ${JSON.stringify(have)}, expected ${JSON.stringify(targets.sort())}`);
        if ((scrape.metrics_path ?? '/metrics') !== '/metrics') problems.push(`docker/prometheus.yml job ${job}: sockml serves /metrics`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  // The Debian prometheus package ships promtool (scripts/test.sh installs it): skipped without it, except in CI.
  it.skipIf(!existsSync('/usr/bin/promtool') && !process.env.CI)('is a valid Prometheus configuration (promtool check config)', () => {
    const r = spawnSync('/usr/bin/promtool', ['check', 'config', join(DOCKER, 'prometheus.yml')], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('scrapes every service the models make decisions for', () => {
    const scraped = new Set(jobs.flatMap((j) => (j.static_configs ?? []).flatMap((c: Obj) => c.targets ?? [])).map((t: string) => t.replace(/:\d+$/, '')));
    const wanted = ['carts', 'catalogue', 'front-end', 'orders', 'payment', 'shipping', 'user'];
    expect(wanted.filter((s) => !scraped.has(s)), 'Sock Shop services not scraped').toEqual([]);
  });
});

describe('docker/k8s', () => {
  it('every manifest has apiVersion, kind and a name; kustomization.yaml lists every other file', () => {
    for (const o of manifests) {
      expect(o.doc.apiVersion, `${o.file}: apiVersion`).toBeTruthy();
      expect(o.doc.kind, `${o.file}: kind`).toBeTruthy();
      expect(o.doc.metadata?.name, `${o.file} ${o.doc.kind}: metadata.name`).toBeTruthy();
    }
    const kustomization = k8sObjects.find((o) => o.doc.kind === 'Kustomization');
    if (kustomization) {
      const listed = (kustomization.doc.resources ?? []).map((r: string) => posix.join('docker/k8s', r)).sort();
      const files = [...new Set(manifests.map((o) => o.file))].sort();
      expect(listed, 'docker/k8s/kustomization.yaml resources vs the manifest files').toEqual(files);
    }
  });

  it(`sockml objects live in namespace ${SOCKML_NS} (which is declared); only the Role and RoleBinding in ${SOCKSHOP_NS}`, () => {
    expect(ofKind('Namespace').map((o) => o.doc.metadata.name)).toContain(SOCKML_NS);
    const problems: string[] = [];
    for (const o of manifests) {
      if (o.doc.kind === 'Namespace') continue;
      const ns = o.doc.metadata?.namespace;
      const expected = ['Role', 'RoleBinding'].includes(o.doc.kind) ? SOCKSHOP_NS : SOCKML_NS;
      if (ns !== expected) problems.push(`${label(o)}: namespace should be ${expected}`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('Deployments select their own pod labels', () => {
    for (const o of ofKind('Deployment')) {
      const selector = o.doc.spec?.selector?.matchLabels ?? {};
      const labels = o.doc.spec?.template?.metadata?.labels ?? {};
      expect(Object.keys(selector).length, `${label(o)}: spec.selector.matchLabels`).toBeGreaterThan(0);
      for (const [k, v] of Object.entries(selector)) expect(labels[k], `${label(o)}: template label ${k}`).toBe(v);
    }
  });

  it('every sockml container has cpu and memory requests and limits', () => {
    const problems: string[] = [];
    for (const { inv } of k8sRuns) {
      for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) if (!inv.raw.resources?.[kind]?.[r]) problems.push(`${inv.where}: no resources.${kind}.${r}`);
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('environment taken from ConfigMaps names ConfigMaps and keys that exist', () => {
    const problems: string[] = [];
    for (const { inv } of k8sRuns) {
      for (const e of inv.raw.env ?? []) {
        const ref = e.valueFrom?.configMapKeyRef;
        if (!ref) continue;
        const cm = ofKind('ConfigMap').find((o) => o.doc.metadata.name === ref.name && o.doc.metadata.namespace === inv.object.doc.metadata.namespace);
        if (!cm) problems.push(`${inv.where}: env ${e.name} refers to ConfigMap ${ref.name}, which is not in docker/k8s (same namespace)`);
        else if (!(ref.key in (cm.doc.data ?? {}))) problems.push(`${inv.where}: env ${e.name} refers to key ${ref.key}, which ConfigMap ${ref.name} does not have`);
      }
      for (const token of inv.argv) {
        for (const m of token.matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) if (!inv.env.has(m[1])) problems.push(`${inv.where}: $(${m[1]}) in the arguments, but the container has no env ${m[1]} (Kubernetes would pass it literally)`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it("collect, serve-model and scale probes ask /healthz on the container's --port", async () => {
    // A kubelet httpGet probe goes to the pod IP: it reaches serve-model only when --host is not a
    // loopback address. With loopback (serve-model's default, read from the built command) the probe
    // must run inside the container (exec).
    const serveModel = await loadCommand(['serve-model']);
    const defaultHost = (serveModel?.flags as Obj | undefined)?.host?.default;
    expect(defaultHost, 'serve-model --host default').toBeTypeOf('string');
    const isLoopback = (h: string) => /^(127\.|localhost$|::1$)/.test(h);
    const problems: string[] = [];
    const serving = k8sRuns.filter((r) => SERVING.includes(r.parsed.command));
    expect(new Set(serving.map((r) => r.parsed.command))).toEqual(new Set(SERVING));
    for (const { inv, parsed } of serving) {
      const port = flagOf(parsed, 'port');
      const loopbackOnly = isLoopback(flagOf(parsed, 'host') ?? defaultHost);
      if (!port || port === '0') {
        problems.push(`${inv.where}: ${parsed.command} needs a fixed --port (the default 0 picks a random one) for its probes`);
        continue;
      }
      // serve-model is a readiness target too (several replicas share the metrics partitions); collect and scale run once.
      for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        const probe = inv.raw[kind];
        if (!probe) {
          if (kind === 'livenessProbe' || (kind === 'readinessProbe' && parsed.command === 'serve-model')) problems.push(`${inv.where}: no ${kind}`);
          continue;
        }
        if (probe.httpGet) {
          const named = (inv.raw.ports ?? []).find((p: Obj) => p.name === probe.httpGet.port)?.containerPort;
          const probePort = String(named ?? probe.httpGet.port);
          if (probe.httpGet.path !== '/healthz') problems.push(`${inv.where}: ${kind} asks ${probe.httpGet.path}, not /healthz`);
          if (probePort !== port) problems.push(`${inv.where}: ${kind} asks port ${probePort}, but serve-model listens on --port ${port}`);
          if (loopbackOnly) problems.push(`${inv.where}: ${kind} is httpGet, but serve-model binds a loopback address, which the kubelet cannot reach: pass --host 0.0.0.0 or use an exec probe`);
        } else if (probe.exec) {
          const cmd = (probe.exec.command ?? []).join(' ');
          if (!new RegExp(`(127\\.0\\.0\\.1|localhost):${port}/healthz`).test(cmd)) problems.push(`${inv.where}: ${kind} ${JSON.stringify(cmd)} does not ask /healthz on port ${port}`);
        } else problems.push(`${inv.where}: ${kind} is neither httpGet nor exec`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  describe('RBAC: scale may only get and update deployments/scale, list, get and update HPAs and create Events, in the Sock Shop namespace', () => {
    const scaleRuns = k8sRuns.filter((r) => r.parsed.command === 'scale');
    const roles = ofKind('Role');
    const bindings = ofKind('RoleBinding');

    it('scale runs with --actuator kubernetes-hpa-floor --namespace sock-shop (the chosen configuration keeps the HPAs)', () => {
      expect(scaleRuns.length, 'docker/k8s: no container runs `sockml scale`').toBe(1);
      expect(flagOf(scaleRuns[0].parsed, 'actuator'), `${scaleRuns[0].inv.where}: --actuator`).toBe('kubernetes-hpa-floor');
      expect(flagOf(scaleRuns[0].parsed, 'namespace'), `${scaleRuns[0].inv.where}: --namespace`).toBe(SOCKSHOP_NS);
    });

    it('no cluster-wide grants at all', () => {
      expect([...ofKind('ClusterRole'), ...ofKind('ClusterRoleBinding')].map(label)).toEqual([]);
    });

    it(`exactly one Role, in ${SOCKSHOP_NS}, granting ${RBAC_NEEDED.join('/')} (patch tolerated) on apps deployments/scale, get/list/update on autoscaling horizontalpodautoscalers, create on events, and nothing else`, () => {
      expect(roles.map(label), 'Roles in docker/k8s').toHaveLength(1);
      const role = roles[0];
      expect(role.doc.metadata.namespace, `${label(role)}: namespace`).toBe(SOCKSHOP_NS);
      const rules: Obj[] = role.doc.rules ?? [];
      expect(rules.length, `${label(role)}: rules`).toBeGreaterThan(0);
      const problems: string[] = [];
      const verbs = new Set<string>();
      const hpaRules = rules.filter((r) => JSON.stringify(r.resources) === JSON.stringify(RBAC_HPA.resources));
      if (hpaRules.length !== 1) problems.push(`${label(role)}: needs one rule granting get, list and update on horizontalpodautoscalers (scale leaves HPA-owned Deployments alone, or sets their minReplicas)`);
      for (const r of hpaRules) {
        const { apiGroups, resources, verbs, ...rest } = r;
        if (JSON.stringify({ apiGroups, resources, verbs }) !== JSON.stringify(RBAC_HPA) || Object.keys(rest).length > 0) problems.push(`${label(role)}: the HPA rule must be exactly ${JSON.stringify(RBAC_HPA)}, got ${JSON.stringify(r)}`);
      }
      const eventRules = rules.filter((r) => JSON.stringify(r.resources) === JSON.stringify(RBAC_EVENTS.resources));
      if (eventRules.length !== 1) problems.push(`${label(role)}: needs one rule granting create on events (scale records each change as an Event)`);
      for (const r of eventRules) {
        const { apiGroups, resources, verbs, ...rest } = r;
        if (JSON.stringify({ apiGroups, resources, verbs }) !== JSON.stringify(RBAC_EVENTS) || Object.keys(rest).length > 0) problems.push(`${label(role)}: the events rule must be exactly ${JSON.stringify(RBAC_EVENTS)}, got ${JSON.stringify(r)}`);
      }
      for (const [i, r] of rules.filter((x) => !hpaRules.includes(x) && !eventRules.includes(x)).entries()) {
        const at = `${label(role)} rule ${i + 1}`;
        if (JSON.stringify(r.apiGroups) !== JSON.stringify(['apps'])) problems.push(`${at}: apiGroups ${JSON.stringify(r.apiGroups)}, expected ["apps"]`);
        if (JSON.stringify(r.resources) !== JSON.stringify(['deployments/scale'])) problems.push(`${at}: resources ${JSON.stringify(r.resources)}, expected ["deployments/scale"]`);
        if (r.nonResourceURLs) problems.push(`${at}: nonResourceURLs are not needed`);
        for (const v of r.verbs ?? []) {
          if (!RBAC_ALLOWED.includes(v)) problems.push(`${at}: verb ${v} is more than the actuator needs (${RBAC_NEEDED.join(', ')})`);
          verbs.add(v);
        }
        for (const name of r.resourceNames ?? []) {
          if (!services[name] || /-db$|^rabbitmq$/.test(name)) problems.push(`${at}: resourceNames ${name} is not a stateless Sock Shop service (docker/compose.yaml)`);
        }
      }
      for (const v of RBAC_NEEDED) if (!verbs.has(v)) problems.push(`${label(role)}: verb ${v} is missing; the Kubernetes actuator reads and then replaces the scale subresource`);
      expect(problems, problems.join('\n')).toEqual([]);
    });

    it("the RoleBinding gives that Role to the scale Deployment's ServiceAccount, and only to it", () => {
      expect(bindings.map(label), 'RoleBindings in docker/k8s').toHaveLength(1);
      const b = bindings[0].doc;
      const role = roles[0].doc;
      expect(b.metadata.namespace, `${label(bindings[0])}: namespace`).toBe(role.metadata.namespace);
      expect(b.roleRef, `${label(bindings[0])}: roleRef`).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
      const scaleObject = scaleRuns[0].inv as K8sInvocation;
      const spec = podSpec(scaleObject.object.doc)!;
      const sa = spec.serviceAccountName;
      expect(sa, `${scaleObject.where}: serviceAccountName`).toBeTruthy();
      expect(spec.automountServiceAccountToken, `${scaleObject.where}: the actuator needs the in-cluster token`).not.toBe(false);
      expect(b.subjects, `${label(bindings[0])}: subjects must be exactly ServiceAccount ${scaleObject.object.doc.metadata.namespace}/${sa}, the scale Deployment's serviceAccountName`).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: scaleObject.object.doc.metadata.namespace }]);
      const account = ofKind('ServiceAccount').find((o) => o.doc.metadata.name === sa && o.doc.metadata.namespace === scaleObject.object.doc.metadata.namespace);
      expect(account, `ServiceAccount ${sa} is not declared in docker/k8s`).toBeDefined();
    });

    it('no other workload runs as the scale ServiceAccount', () => {
      const sa = podSpec((scaleRuns[0].inv as K8sInvocation).object.doc)!.serviceAccountName;
      const others = workloads.filter((o) => o !== (scaleRuns[0].inv as K8sInvocation).object && podSpec(o.doc)!.serviceAccountName === sa);
      expect(others.map(label)).toEqual([]);
    });
  });
});

// ------------------------------------------------------------------------------ Grafana dashboard

const DASHBOARDS = join(DOCKER, 'grafana/dashboards');
const PROMQL_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression reads (not functions, label names, keywords or literals). */
export function metricNamesIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // string literals
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range and subquery selectors
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const names: string[] = [];
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = bare.slice(m.index! + m[0].length);
    if (/^\s*\(/.test(after) || PROMQL_KEYWORDS.has(m[0].toLowerCase())) continue; // a function or aggregation
    if (/[0-9.]$/.test(bare.slice(0, m.index!)) && /^e/i.test(m[0])) continue; // the exponent of a number
    names.push(m[0]);
  }
  return [...new Set(names)];
}

/** `job="x"` and `job=~"re"` selectors of an expression. */
const jobSelectors = (expr: string) => [...expr.matchAll(/\bjob\s*(=~|=)\s*"([^"]*)"/g)].map((m) => ({ op: m[1], value: m[2] }));

interface Target {
  where: string;
  expr: string;
}

function dashboardTargets(file: string): Target[] {
  const dash = JSON.parse(readFileSync(file, 'utf8'));
  const panels: Obj[] = (dash.panels ?? []).flatMap((p: Obj) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((p) => (p.targets ?? []).map((t: Obj) => ({ where: `${rel(file)} panel '${p.title}' ${t.refId}`, expr: String(t.expr ?? '') })));
}

/**
 * The metric names each long-running command really exports: the real CLI started with a Kafka (and a
 * Prometheus) nobody answers at, so it serves /metrics — every metric registered at start — while it
 * keeps trying to connect; the names come from the `# TYPE` lines (labelled series without a sample yet
 * have those too), a histogram's with _bucket, _sum and _count.
 */
async function exportedMetricNames(args: string[]): Promise<Set<string>> {
  const port = await freePort();
  const child: SockmlChild = spawnSockml([...args, '--port', String(port)], { cwd: REPO, timeoutMs: 60_000 });
  try {
    const until = Date.now() + 45_000;
    for (;;) {
      const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => (r.ok ? r.text() : ''), () => '');
      if (text.includes('# TYPE')) {
        const names = new Set<string>();
        for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
          names.add(name);
          if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
          if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
        }
        return names;
      }
      if (Date.now() > until) throw new Error(`sockml ${args[0]} did not serve /metrics:\n${child.stderr()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await child.stop('SIGKILL');
  }
}

describe('docker/grafana: the dashboard asks for what the sockml processes really export', () => {
  const files = existsSync(DASHBOARDS) ? readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json')).map((f) => join(DASHBOARDS, f)) : [];
  const targets = files.flatMap(dashboardTargets);
  const exported = new Map<string, Set<string>>();

  beforeAll(async () => {
    // Nothing answers on port 1: the commands serve /metrics and keep retrying the connection.
    exported.set('collect', await exportedMetricNames(['collect', '--prometheus', 'http://127.0.0.1:1', '--kafka', '127.0.0.1:1', '--interval', '1s']));
    exported.set('serve-model', await exportedMetricNames(['serve-model', '--model', 'models/xgboost.onnx', '--kafka', '127.0.0.1:1']));
    exported.set('scale', await exportedMetricNames(['scale', '--kafka', '127.0.0.1:1']));
  }, 150_000);
  afterAll(() => exported.clear());

  it('there is a dashboard with queries', () => {
    expect(files.map(rel)).toContain('docker/grafana/dashboards/sockml.json');
    expect(targets.length).toBeGreaterThan(10);
    expect(targets.filter((t) => t.expr.trim() === '').map((t) => t.where)).toEqual([]);
  });

  it('every query names only metrics a sockml process exports', () => {
    const all = new Set([...exported.values()].flatMap((s) => [...s]));
    expect(all.size).toBeGreaterThan(20);
    const problems = targets.flatMap((t) => metricNamesIn(t.expr).filter((m) => !all.has(m)).map((m) => `${t.where}: ${m} is exported by none of collect, serve-model, scale`));
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it("each query's job selects the process that exports its metrics", () => {
    const problems: string[] = [];
    for (const t of targets) {
      const jobs = jobSelectors(t.expr);
      if (jobs.length === 0) problems.push(`${t.where}: no job selector (sockml-collect, sockml-serve-model, sockml-scale)`);
      for (const metric of metricNamesIn(t.expr)) {
        const commands = SERVING.filter((c) => jobs.some((j) => (j.op === '=' ? j.value === `sockml-${c}` : new RegExp(`^(?:${j.value})$`).test(`sockml-${c}`))));
        if (!commands.some((c) => exported.get(c)!.has(metric))) problems.push(`${t.where}: ${metric} is not exported by ${commands.map((c) => `sockml-${c}`).join(', ') || 'the jobs it selects'}`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it("shows the pipeline's metrics: decisions, degraded, actuation failures, polls, lag, poll→decision latency, votes, inference", () => {
    const used = new Set(targets.flatMap((t) => metricNamesIn(t.expr)));
    const wanted = [
      'sockml_scale_decisions_total', 'sockml_scale_degraded_decisions_total', 'sockml_scale_actuation_failures_total', 'sockml_poll_to_decision_seconds_bucket',
      'sockml_collect_polls_total', 'sockml_consumer_lag_messages', 'sockml_votes_total', 'sockml_inference_seconds_bucket', 'sockml_healthy',
    ];
    expect(wanted.filter((m) => !used.has(m))).toEqual([]);
  });

  // The Debian prometheus package ships promtool (scripts/test.sh installs it): skipped without it, except in CI.
  it.skipIf(!existsSync('/usr/bin/promtool') && !process.env.CI)('every query is valid PromQL (promtool check rules)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-dashboard-'));
    const rules = ['groups:', '  - name: dashboard', '    rules:', ...targets.flatMap((t, i) => [`      - record: dashboard:query_${i}`, `        expr: ${JSON.stringify(t.expr)}`])];
    writeFileSync(join(dir, 'rules.yml'), rules.join('\n') + '\n');
    const r = spawnSync('/usr/bin/promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("no sockml process exports a metric collect reads for Sock Shop's services (their process metrics are prefixed)", async () => {
    const core = (await import('@sockml/core')) as { buildCollectQueries: (o?: object) => Record<string, string> };
    const read = new Set(['process', 'cadvisor'].flatMap((cpuSource) => Object.values(core.buildCollectQueries({ cpuSource })).flatMap(metricNamesIn)));
    expect(read.has('process_cpu_seconds_total')).toBe(true); // the extraction works on collect's queries
    for (const [command, names] of exported) expect([...names].filter((n) => read.has(n)), `sockml ${command}`).toEqual([]);
  });

  it('the dashboard selects jobs that docker/prometheus.yml and the k8s scrape config define', () => {
    const compose = new Set((readYaml(join(DOCKER, 'prometheus.yml'))[0].scrape_configs ?? []).map((j: Obj) => j.job_name));
    const cm = ofKind('ConfigMap').find((o) => o.doc.metadata.name === 'sockml-prometheus-scrape');
    expect(cm, 'docker/k8s: ConfigMap sockml-prometheus-scrape').toBeDefined();
    const k8sJobs = new Set((parseAllDocuments(cm!.doc.data['sockml-scrape.yml'])[0] as any).toJS().map((j: Obj) => j.job_name));
    for (const c of SERVING) {
      expect(compose.has(`sockml-${c}`), `docker/prometheus.yml job sockml-${c}`).toBe(true);
      expect(k8sJobs.has(`sockml-${c}`), `docker/k8s/50-prometheus-scrape.yaml job sockml-${c}`).toBe(true);
    }
  });

  it('the k8s scrape jobs keep the pods of the Deployment running their command, on its metrics port', () => {
    const cm = ofKind('ConfigMap').find((o) => o.doc.metadata.name === 'sockml-prometheus-scrape')!;
    const jobs: Obj[] = (parseAllDocuments(cm.doc.data['sockml-scrape.yml'])[0] as any).toJS();
    const problems: string[] = [];
    for (const c of SERVING) {
      const job = jobs.find((j) => j.job_name === `sockml-${c}`);
      if (!job) continue;
      const keep = (label: string) => (job.relabel_configs ?? []).find((r: Obj) => r.action === 'keep' && (r.source_labels ?? []).includes(label))?.regex;
      const component = keep('__meta_kubernetes_pod_label_app_kubernetes_io_component');
      const portName = keep('__meta_kubernetes_pod_container_port_name');
      const runs = k8sRuns.filter((r) => r.parsed.command === c);
      for (const r of runs) {
        const podLabels = (r.inv as K8sInvocation).object.doc.spec?.template?.metadata?.labels ?? {};
        if (!new RegExp(`^(?:${component})$`).test(podLabels['app.kubernetes.io/component'] ?? '')) problems.push(`job sockml-${c} keeps component ${component}, but ${r.inv.where} has ${podLabels['app.kubernetes.io/component']}`);
        const port = (r.inv.raw.ports ?? []).find((p: Obj) => new RegExp(`^(?:${portName})$`).test(p.name));
        if (!port) problems.push(`job sockml-${c} keeps port ${portName}, which ${r.inv.where} does not declare`);
        else if (String(port.containerPort) !== flagOf(r.parsed, 'port')) problems.push(`${r.inv.where}: port ${port.name} is ${port.containerPort}, but --port is ${flagOf(r.parsed, 'port')}`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
  });
});

