/**
 * The exit-code contract every command shares (README): 2 bad input, 3 a model or card problem, 4 the
 * environment; an error is one line on stderr, and with --json also one JSON object on stdout. Flags are
 * checked before any connection: nothing listens on 127.0.0.1:1, so a command that connected first
 * would fail differently (and slowly).
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, sockml } from '../test-support.js';

const STEP = 'fixtures/sockshop-gke/runs/step/run_3.csv';
const NOWHERE = '127.0.0.1:1';

/** A copy of the bundled xgboost model whose card is edited. */
function modelWithCard(edit: (card: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockml-card-'));
  copyFileSync(join(REPO, 'models/xgboost.onnx'), join(dir, 'xgboost.onnx'));
  const card = JSON.parse(readFileSync(join(REPO, 'models/xgboost.card.json'), 'utf8'));
  edit(card);
  writeFileSync(join(dir, 'xgboost.card.json'), JSON.stringify(card));
  return join(dir, 'xgboost.onnx');
}

describe('exit codes as documented, one line each', () => {
  const unknownSet = modelWithCard((c) => (c.featureSet = 'nope-v9'));
  it.each([
    ['scale --quorum above the voters', ['scale', '--kafka', NOWHERE, '--quorum', '9'], 2, /--quorum: must be from 1 to 3 \(the expected voters: .*\), got 9/],
    ['scale --quorum 0', ['scale', '--kafka', NOWHERE, '--quorum', '0'], 2, /--quorum/],
    ['scale --actuator-url not a URL', ['scale', '--kafka', NOWHERE, '--actuator', 'http', '--actuator-url', 'notaurl'], 2, /--actuator-url must be an http\(s\) URL, got 'notaurl'/],
    ['scale --actuator http without a URL', ['scale', '--kafka', NOWHERE, '--actuator', 'http'], 2, /--actuator http needs --actuator-url/],
    ['scale --expected-models naming no model', ['scale', '--kafka', NOWHERE, '--expected-models', 'xgboost,gpt'], 2, /--expected-models: no model 'gpt' in .*models \(found: logistic_regression, random_forest, xgboost\)/],
    ['scale --kafka not host:port', ['scale', '--kafka', 'kafka'], 2, /--kafka must be host:port/],
    [
      'scale --strategy regime without its calm model among the voters',
      ['scale', '--kafka', NOWHERE, '--strategy', 'regime', '--expected-models', 'random_forest,logistic_regression'],
      3,
      /--strategy regime decides calm polls with model 'xgboost' .* not among the models in use \(logistic_regression, random_forest\)/,
    ],
    ['publish --kafka not host:port', ['publish', STEP, '--kafka', 'bad'], 2, /--kafka must be host:port\[,host:port…\], got 'bad'/],
    ['serve-model --kafka not host:port', ['serve-model', '--model', 'models/xgboost.onnx', '--kafka', 'bad'], 2, /--kafka must be host:port/],
    ['serve-model with a card naming an unknown feature set', ['serve-model', '--model', unknownSet, '--kafka', NOWHERE], 3, /xgboost\.card\.json: field 'featureSet': unknown feature set 'nope-v9' \(known: seed-v1, trend-v1, trend-v2, trend-v3, trend-v4\)/],
    ['serve-model with no such model', ['serve-model', '--model', '/nonexistent/m.onnx', '--kafka', NOWHERE], 3, /m\.card\.json: model card not found/],
    ['replay with a card naming an unknown feature set', ['replay', STEP, '--models', join(unknownSet, '..')], 3, /unknown feature set 'nope-v9'/],
  ])('%s', async (_, args, code, message) => {
    const r = await sockml(args as string[]);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('with --json, an error is one JSON object on stdout: its message and exit code', () => {
  it.each([
    ['replay: a missing recording', ['replay', 'no/such.csv', '--json'], 2, /no\/such\.csv: no such file or directory/],
    ['replay: a flag value oclif refuses', ['replay', STEP, '--strategy', 'bogus', '--json'], 2, /Expected --strategy=bogus to be one of: majority, unanimous, weighted/],
    ['replay: a bad --slo', ['replay', STEP, '--slo', 'fast', '--json'], 2, /--slo must be a positive number of ms, got 'fast'/],
    ['replay: no model directory', ['replay', STEP, '--models', '/nonexistent', '--json'], 3, /\/nonexistent: model directory not found/],
    ['dataset build: a malformed row', ['dataset', 'build', 'packages/cli/src/testdata/malformed.csv', '-o', join(tmpdir(), 'never.csv'), '--json'], 2, /malformed\.csv:4: column 'p95_latency_ms'/],
    ['collect: nowhere to put the polls', ['collect', '--prometheus', 'http://127.0.0.1:9', '--json'], 2, /collect needs somewhere to put the polls/],
    ['loadtest: not a URL', ['loadtest', '--pattern', 'ramp', '--target', 'nope', '--json'], 2, /--target: 'nope' is not a URL/],
    ['experiment analyze: nothing to analyze', ['experiment', 'analyze', 'packages/cli/src/testdata', '--json'], 2, /directory has no \.jsonl snapshot files/],
    ['publish: not host:port', ['publish', STEP, '--kafka', 'bad', '--json'], 2, /--kafka must be host:port/],
  ])('%s', async (_, args, code, message) => {
    const r = await sockml(args as string[]);
    expect(r.code, r.stderr).toBe(code);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['error']);
    expect(j.error.exitCode).toBe(code);
    expect(j.error.message).toMatch(message);
  });
});
