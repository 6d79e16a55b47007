import { describe, expect, it } from 'vitest';
import { parseVectorResponse, PrometheusResponseError } from './prometheus-response.js';

const vector = (...values: string[]) => ({
  status: 'success',
  data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { sockml_service: `s${i}` }, value: [1700000000, v] })) },
});

describe('parseVectorResponse', () => {
  it.each([
    ['1.5', 1.5],
    ['0', 0],
    ['NaN', NaN],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
    ['1e-3', 0.001],
  ])('value %s', (raw, expected) => {
    expect(parseVectorResponse(vector(raw))).toEqual([{ labels: { sockml_service: 's0' }, value: expected }]);
  });

  it('an empty vector is an empty list (missing series are decided by the caller)', () => {
    expect(parseVectorResponse(vector())).toEqual([]);
  });

  it.each([
    [null, /not a JSON object/],
    [{ status: 'error', errorType: 'bad_data', error: 'parse error at char 4' }, /Prometheus error \(bad_data\): parse error/],
    [{ status: 'success', data: { resultType: 'matrix', result: [] } }, /expected an instant vector, got resultType 'matrix'/],
  ])('rejects %j', (json, message) => {
    expect(() => parseVectorResponse(json)).toThrow(PrometheusResponseError);
    expect(() => parseVectorResponse(json)).toThrow(message);
  });

  it('keeps the errorType so callers can tell a bad query from an overloaded server', () => {
    try {
      parseVectorResponse({ status: 'error', errorType: 'timeout', error: 'query timed out' });
    } catch (e) {
      expect((e as PrometheusResponseError).errorType).toBe('timeout');
    }
  });
});
