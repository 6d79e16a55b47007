import { createServer, type Server } from 'node:http';
import type { ScalingDecision } from '@sockml/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpActuator } from './http.js';

let server: Server;
let url: string;
let answer: { status: number; body: string };
const posts: unknown[] = [];

beforeEach(async () => {
  posts.length = 0;
  answer = { status: 200, body: '{"carts": 3, "front-end": 1, "orders": 2.5, "user": -1}' };
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method === 'POST') posts.push(JSON.parse(body));
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/admin/replicas`;
});
afterEach(() => new Promise<void>((r) => server.close(() => r())));

const decision = (over: Partial<ScalingDecision>): ScalingDecision => ({
  decisionId: 'carts@run@t1', snapshotId: 'run@t1', service: 'carts', timestamp: 't1', decision: 'SCALE_UP', strategy: 'majority',
  scaleUpVotes: 3, noActionVotes: 0, totalVotes: 3, confidence: 0.9, score: 1, degraded: false, targetReplicas: 4, ...over,
});

describe('HttpActuator', () => {
  it.each([
    { service: 'carts', want: 3 },
    { service: 'front-end', want: 1 },
    { service: 'orders', want: null }, // not a whole number
    { service: 'user', want: null }, // negative
    { service: 'shipping', want: null }, // not in the answer
  ])('currentReplicas($service) = $want', async ({ service, want }) => {
    expect(await new HttpActuator(url).currentReplicas(service)).toBe(want);
  });

  it.each([
    { status: 404, body: '{"carts": 3}' },
    { status: 200, body: 'not json' },
    { status: 200, body: '[3]' },
  ])('currentReplicas is unknown for HTTP $status $body', async (a) => {
    answer = a;
    expect(await new HttpActuator(url).currentReplicas('carts')).toBeNull();
  });

  it('POSTs service, replicas and decision id; NO_ACTION sends nothing; an error status is an error', async () => {
    const a = new HttpActuator(url);
    expect(await a.apply(decision({}))).toEqual({ applied: true, detail: 'carts → 4 replicas' });
    expect(await a.apply(decision({ decision: 'NO_ACTION' }))).toMatchObject({ applied: false });
    expect(posts).toEqual([{ service: 'carts', replicas: 4, decision_id: 'carts@run@t1' }]);
    answer = { status: 400, body: '{"error":"replicas must be 0-50"}' };
    await expect(a.apply(decision({}))).rejects.toThrow(/answered 400: .*replicas must be 0-50/);
  });

  it('setReplicas POSTs service and replicas without a decision id; an error status is an error', async () => {
    const a = new HttpActuator(url);
    await a.setReplicas('orders', 1);
    expect(posts).toEqual([{ service: 'orders', replicas: 1 }]);
    answer = { status: 400, body: 'replicas must be 0-50' };
    await expect(a.setReplicas('orders', 99)).rejects.toThrow(/answered 400: replicas must be 0-50/);
  });
});
