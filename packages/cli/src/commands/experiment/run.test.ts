/** `experiment run`'s input checks: they fail before any emulator or load starts. */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sockml } from '../../test-support.js';

describe('sockml experiment run: bad input (exit 2)', () => {
  it('names what proactive needs: Kafka, Prometheus and the port Prometheus scrapes', async () => {
    const r = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'proactive,static']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --kafka host:port, --prometheus URL, --sim-port N/);
    const some = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'proactive', '--kafka', '127.0.0.1:9092', '--sim-port', '8089']);
    expect(some.code).toBe(2);
    expect(some.stderr).toMatch(/needs --prometheus URL\s*$/m);
  });
  it('rejects a model directory without models before starting anything (proactive)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sockml-nomodels-'));
    const r = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'proactive', '--kafka', '127.0.0.1:9092', '--prometheus', 'http://127.0.0.1:9090', '--sim-port', '8089', '--models', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--models: .*no <name>\.onnx with <name>\.card\.json/);
  });
  it('rejects an unknown condition, a bad duration and an interval longer than the run', async () => {
    expect((await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'hpa'])).stderr).toMatch(/unknown condition 'hpa'/);
    expect((await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--duration', 'soon'])).code).toBe(2);
    expect((await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--duration', '10s', '--interval', '30s'])).stderr).toMatch(/longer than --duration/);
  });
  it.each([
    { args: ['--pattern', 'trace'], err: /--pattern trace needs --trace FILE/ },
    { args: ['--pattern', 'step', '--trace', 'fixtures/traces/flash-crowd.csv'], err: /--trace is for --pattern trace \(got --pattern step\)/ },
    { args: ['--pattern', 'trace', '--trace', 'no/such.csv'], err: /--trace no\/such\.csv: no such file/ },
    { args: ['--pattern', 'trace', '--trace', 'packages/cli/src/testdata/malformed.csv'], err: /^sockml experiment run: packages\/cli\/src\/testdata\/malformed\.csv:4: column 'p95_latency_ms': 'slow' is not a number$/m },
    { args: ['--pattern', 'trace', '--trace', 'fixtures/traces/flash-crowd.csv', '--interval', '11m'], err: /--interval \(11m\) is longer than the trace \(600s\)/ },
  ])('trace: $args', async ({ args, err }) => {
    const r = await sockml(['experiment', 'run', '--condition', 'static', ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(err);
  });
  it.each([
    { name: 'a service the emulator lacks', yaml: 'services: { basket: {} }', args: [], err: /cfg\.yaml: services\.basket: not a service of Sock Shop/ },
    { name: 'hpa-floor without a floor to set (--hpa-floor 0)', yaml: 'services: { catalogue: { hpa-floor: 50 } }', args: ['--hpa-floor', '0'], err: /cfg\.yaml: hpa-floor sets the HPA under sockml: it needs the proactive condition, --target sim and --hpa-floor above 0/ },
    { name: 'hpa-floor without the proactive condition', yaml: 'defaults: { hpa-floor: 60 }\nservices: {}', args: [], condition: 'reactive', err: /cfg\.yaml: hpa-floor sets the HPA under sockml/ },
    { name: 'a Deployment of another name', yaml: 'services: { carts: { deployment: carts-v2 } }', args: [], err: /cfg\.yaml: services\.carts\.deployment: experiment run scales the Deployment named as its service/ },
    { name: 'a setting the policy lacks', yaml: 'services: { carts: { policy: { name: hybrid, shape: round } } }', args: [], err: /cfg\.yaml: services\.carts\.policy: .*shape/ },
  ])('--config: $name (before anything starts)', async ({ yaml, args, condition, err }) => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-exprun-config-'));
    writeFileSync(join(dir, 'cfg.yaml'), yaml + '\n');
    const r = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', condition ?? 'proactive', '--config', join(dir, 'cfg.yaml'), '--out', join(dir, 'out'), ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(err);
    expect(existsSync(join(dir, 'out')), 'refused before --out was created').toBe(false);
  });
  it('never overwrites a run file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-exprun-'));
    writeFileSync(join(dir, 'static_step_run01.jsonl'), '');
    const r = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/static_step_run01\.jsonl exists/);
  });

  it.each([
    { args: ['--target', 'front-end:80'], err: /--target must be 'sim' .* or a real Sock Shop's front-end URL, got 'front-end:80'/ },
    { args: ['--target', 'http://127.0.0.1:8080'], err: /--target http:\/\/127\.0\.0\.1:8080 needs --prometheus URL \(snapshots come from it\) and --actuator kubernetes\|http/ },
    { args: ['--target', 'http://127.0.0.1:8080', '--prometheus', 'http://127.0.0.1:9090', '--actuator', 'http'], err: /--actuator http needs --actuator-url/ },
    { args: ['--target', 'http://127.0.0.1:8080', '--prometheus', 'http://127.0.0.1:9090', '--actuator', 'kubernetes', '--sim-port', '8089'], err: /--sim-port is for --target sim/ },
    { args: ['--actuator', 'kubernetes'], err: /--actuator is for URL targets/ },
    { args: ['--reactive', 'cluster'], err: /--reactive cluster is for URL targets/ },
  ])('URL targets: $args', async ({ args, err }) => {
    const r = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'static', ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(err);
  });
  it.each([
    { args: ['--condition', 'static', '--hpa-floor', '80'], err: /--hpa-floor puts an HPA under sockml: it needs --condition proactive/ },
    {
      args: ['--condition', 'proactive', '--hpa-floor', '80', '--target', 'http://127.0.0.1:8080', '--prometheus', 'http://127.0.0.1:9090', '--actuator', 'kubernetes'],
      err: /--hpa-floor runs on --target sim; on a cluster keep its HPAs and run sockml scale --actuator kubernetes-hpa-floor/,
    },
    { args: ['--condition', 'proactive', '--rate-window', 'soon'], err: /--rate-window/ },
  ])('--hpa-floor and --rate-window: $args', async ({ args, err }) => {
    const r = await sockml(['experiment', 'run', '--pattern', 'step', ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(err);
  });
  it("refuses --reactive cluster beside conditions the cluster's HPAs would also scale", async () => {
    const r = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'reactive,static', '--reactive', 'cluster', '--target', 'http://127.0.0.1:8080', '--prometheus', 'http://127.0.0.1:9090', '--actuator', 'kubernetes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/would also scale the static runs/);
  });
  it('exits 4 when the Prometheus of a URL target does not answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-exprun-'));
    const r = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--target', 'http://127.0.0.1:9', '--prometheus', 'http://127.0.0.1:9', '--actuator', 'http', '--actuator-url', 'http://127.0.0.1:9/admin/replicas', '--out', dir]);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/Prometheus cannot describe the target: .*127\.0\.0\.1:9/);
  });
});
