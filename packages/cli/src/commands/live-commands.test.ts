/**
 * publish, serve-model and scale check what they were given before their first connection, and give up
 * on a broker that does not answer after --connect-timeout with one line and exit code 4 (kafkajs alone
 * retries for about two minutes, logging a stack trace per attempt). Nothing listens on 127.0.0.1:1.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sockml } from '../test-support.js';

const STEP = 'fixtures/sockshop-gke/runs/step/run_3.csv';
const NOWHERE = '127.0.0.1:1';
const dir = mkdtempSync(join(tmpdir(), 'sockml-live-'));
const headerOnly = join(dir, 'header-only.csv');
writeFileSync(headerOnly, 'timestamp,service,request_rate_rps,error_rate_pct,p50_latency_ms,p95_latency_ms,p99_latency_ms,cpu_usage_pct,memory_usage_mb\n');
const perServiceAttribution = join(dir, 'per-service-attribution.yaml');
writeFileSync(perServiceAttribution, 'services:\n  catalogue: { policy: { name: hybrid, attributionMinUtilization: 0.5 } }\n');
const inheritedAttribution = join(dir, 'inherited-attribution.yaml');
writeFileSync(inheritedAttribution, 'defaults:\n  policy: { name: hybrid, attributionMinUtilization: 0.5 }\nservices:\n  front-end: { min-replicas: 2 }\n');

function expectOneLine(r: { stderr: string }, message: RegExp) {
  expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(message);
}

describe('inputs are checked before connecting (exit 2, at once)', () => {
  it.each([
    ['publish: a malformed row in the second recording', ['publish', STEP, 'packages/cli/src/testdata/malformed.csv', '--kafka', NOWHERE], /malformed\.csv:4: column 'p95_latency_ms': 'slow' is not a number/],
    ['publish: a header-only recording', ['publish', headerOnly, '--kafka', NOWHERE], /header-only\.csv: no rows after the header/],
    ['scale: --out in a missing directory', ['scale', '--kafka', NOWHERE, '--out', join(dir, 'no-such-dir', 'decisions.ndjson')], /--out .*: directory .*no-such-dir does not exist/],
    ['scale: callee attribution set for one service (it is the whole scaler\'s)', ['scale', '--kafka', NOWHERE, '--config', perServiceAttribution], /hybrid \(catalogue\): callee attribution \(attributionMinUtilization, midTierAttributionMinUtilization\) is set for the whole scaler, not per service/],
    ['serve-model: --predictions-log in a missing directory', ['serve-model', '--model', 'models/xgboost.onnx', '--kafka', NOWHERE, '--predictions-log', join(dir, 'no-such-dir', 'p.csv')], /--predictions-log .*: directory .*no-such-dir does not exist/],
  ])('%s', async (_, args, message) => {
    const r = await sockml(args as string[]);
    expect(r.code, r.stderr).toBe(2);
    expectOneLine(r, message);
  });
});

describe('a broker that does not answer: one line and exit 4 after --connect-timeout', () => {
  it.each([
    ['publish', ['publish', STEP]],
    ['serve-model', ['serve-model', '--model', 'models/xgboost.onnx']],
    ['scale', ['scale']],
  ])('%s', async (_, args) => {
    const started = performance.now();
    const r = await sockml([...args, '--kafka', NOWHERE, '--connect-timeout', '2s']);
    const seconds = (performance.now() - started) / 1000;
    expect(r.code, r.stderr).toBe(4);
    expectOneLine(r, /Kafka at 127\.0\.0\.1:1 did not answer within 2 s \(--connect-timeout\): .*ECONNREFUSED/);
    expect(r.stdout).toBe('');
    expect(seconds).toBeGreaterThanOrEqual(2);
    expect(seconds).toBeLessThan(15); // start-up and the last attempt, not kafkajs's two minutes of retries
  });

  it("callee attribution under the config file's defaults, a service with its own bounds: accepted, then the broker", async () => {
    const r = await sockml(['scale', '--kafka', NOWHERE, '--config', inheritedAttribution, '--connect-timeout', '1s']);
    expect(r.code, r.stderr).toBe(4);
    expectOneLine(r, /Kafka at 127\.0\.0\.1:1 did not answer within 1 s/);
  });

  it('a broker name that does not resolve', async () => {
    const r = await sockml(['publish', STEP, '--kafka', 'no-such-broker.invalid:9092', '--connect-timeout', '1s']);
    expect(r.code, r.stderr).toBe(4);
    expectOneLine(r, /Kafka at no-such-broker\.invalid:9092 did not answer within 1 s \(--connect-timeout\): .*(ENOTFOUND|EAI_AGAIN)/);
  });
});
