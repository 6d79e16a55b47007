import { describe, expect, it } from 'vitest';
import { MAX_EMULATED_REPLICAS, parseReplicaRequest } from './replica-request.js';

const SERVICES = ['front-end', 'carts'];

describe('parseReplicaRequest', () => {
  it.each([
    { body: '{"service":"carts","replicas":3}', request: { service: 'carts', replicas: 3 } },
    { body: '{"service":"carts","replicas":0}', request: { service: 'carts', replicas: 0 } },
    { body: `{"service":"front-end","replicas":${MAX_EMULATED_REPLICAS},"decision_id":"d-1"}`, request: { service: 'front-end', replicas: 50, decisionId: 'd-1' } },
  ])('accepts $body', ({ body, request }) => {
    expect(parseReplicaRequest(body, SERVICES)).toEqual({ ok: true, request });
  });

  it.each([
    { name: 'not JSON', body: 'replicas=3', error: /not JSON/ },
    { name: 'an array', body: '[1]', error: /JSON object/ },
    { name: 'null', body: 'null', error: /JSON object/ },
    { name: 'no service', body: '{"replicas":3}', error: /service must be a string/ },
    { name: 'an unknown service', body: '{"service":"cart","replicas":3}', error: /unknown service 'cart' \(one of front-end, carts\)/ },
    { name: 'no replicas', body: '{"service":"carts"}', error: /replicas must be a number, got null/ },
    { name: 'a numeric string', body: '{"service":"carts","replicas":"3"}', error: /must be a number, got "3"/ },
    { name: 'a word', body: '{"service":"carts","replicas":"three"}', error: /must be a number/ },
    { name: 'a fraction', body: '{"service":"carts","replicas":1.5}', error: /whole number/ },
    { name: 'a negative count', body: '{"service":"carts","replicas":-1}', error: /≥ 0/ },
    { name: 'a huge count', body: '{"service":"carts","replicas":51}', error: /≤ 50/ },
    { name: 'a non-string decision id', body: '{"service":"carts","replicas":2,"decision_id":7}', error: /decision_id/ },
  ])('rejects $name', ({ body, error }) => {
    const r = parseReplicaRequest(body, SERVICES);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});
