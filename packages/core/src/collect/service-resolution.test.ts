import { describe, expect, it } from 'vitest';
import { resolveService, serviceLabelReplace } from './service-resolution.js';

/**
 * A tiny evaluator of the label_replace chain that serviceLabelReplace emits (anchored regex, "$1"
 * expansion, no-op when the regex does not match), so the PromQL and the code rule are checked
 * against the same table. The real Prometheus evaluates it in the collect integration test.
 */
function evalChain(promql: string, labels: Record<string, string | undefined>): string | null {
  const steps = [...promql.matchAll(/label_replace\(/g)].length;
  const args = [...promql.matchAll(/, ("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*")\)/g)].map((m) =>
    m.slice(1, 5).map((s) => JSON.parse(s) as string),
  );
  expect(args).toHaveLength(steps);
  const out: Record<string, string | undefined> = { ...labels };
  for (const [target, replacement, source, regex] of args) {
    const m = new RegExp(`^(?:${regex})$`).exec(out[source] ?? '');
    if (m) out[target] = replacement.replace('$1', m[1] ?? '');
  }
  return out.sockml_service ?? null;
}

describe('service resolution', () => {
  it.each([
    { name: 'service label wins', labels: { service: 'orders', job: 'sockshop', instance: 'a:80' }, expected: 'orders' },
    { name: 'job when no service label', labels: { job: 'catalogue', instance: 'a:80' }, expected: 'catalogue' },
    { name: 'job cart → carts', labels: { job: 'cart', instance: 'a:80' }, expected: 'carts' },
    { name: 'job frontend → front-end', labels: { job: 'frontend', instance: 'a:80' }, expected: 'front-end' },
    { name: 'an alias is matched whole', labels: { job: 'cartsy' }, expected: 'cartsy' },
    { name: 'an empty service label is absent', labels: { service: '', job: 'user' }, expected: 'user' },
    { name: 'Kubernetes name label after job', labels: { name: 'shipping', instance: '10.0.0.7:80' }, expected: 'shipping' },
    { name: 'instance last', labels: { instance: '10.0.0.7:80' }, expected: '10.0.0.7:80' },
    { name: 'nothing to resolve', labels: { le: '0.5' }, expected: null },
    { name: 'service label is not aliased', labels: { service: 'cart' }, expected: 'cart' },
    { name: 'primary label outranks service and job', labels: { container: 'payment', service: 'kubelet', job: 'cadvisor' }, primary: 'container', expected: 'payment' },
    { name: 'empty primary falls back', labels: { container: '', job: 'cart' }, primary: 'container', expected: 'carts' },
  ])('$name', ({ labels, primary, expected }) => {
    expect(resolveService(labels, primary)).toBe(expected);
    expect(evalChain(serviceLabelReplace('up', primary), labels)).toBe(expected);
  });

  it('rejects a primary that is not a label name', () => {
    expect(() => serviceLabelReplace('up', 'a-b')).toThrow(/label name/);
  });
});
