import { SOCKSHOP_SERVICES } from '@sockml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FloorGateway } from './floor-gateway.js';
import { SimTarget } from './sim-target.js';

/** The emulator in process, behind the gateway: what `experiment run --hpa-floor` runs on. */
describe('FloorGateway: the emulator runs the larger of the HPA’s and sockml’s counts', () => {
  let sim: SimTarget;
  let gateway: FloorGateway;
  const services = [...SOCKSHOP_SERVICES];
  const running = async () => ((await (await fetch(new URL('/admin/replicas', sim.url))).json()) as Record<string, number>)['front-end'];
  const post = (body: unknown) => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    sim = await SimTarget.start({ services, timeScale: 1 });
    gateway = await FloorGateway.start(sim, services);
  });
  afterAll(async () => {
    await gateway?.stop();
    await sim?.stop();
  });

  it('sockml above the HPA raises the count; below it the HPA’s stands; a held HPA count outlasts sockml’s', async () => {
    gateway.reset(1);
    const steps: [string, () => Promise<number>, number][] = [
      ['sockml asks 3', async () => ((await (await post({ service: 'front-end', replicas: 3, decision_id: 'd1' })).json()) as { replicas: number }).replicas, 3],
      ['the HPA asks 5', () => gateway.askHpa('front-end', 5), 5],
      ['sockml asks 2', async () => ((await (await post({ service: 'front-end', replicas: 2 })).json()) as { replicas: number }).replicas, 5],
      ['the HPA asks 2', () => gateway.askHpa('front-end', 2), 2],
      ['sockml asks 4', async () => ((await (await post({ service: 'front-end', replicas: 4 })).json()) as { replicas: number }).replicas, 4],
      [
        'the HPA holds 4, sockml asks 1',
        async () => {
          gateway.hpaHolds('front-end', 4);
          return ((await (await post({ service: 'front-end', replicas: 1 })).json()) as { replicas: number }).replicas;
        },
        4,
      ],
    ];
    for (const [what, step, want] of steps) {
      expect(await step(), what).toBe(want);
      expect(await running(), what).toBe(want); // the emulator really runs it
    }
    // GET is sockml's own count (where its policy starts), not what runs.
    expect(((await (await fetch(gateway.url)).json()) as Record<string, number>)['front-end']).toBe(1);
    gateway.reset(1); // a new run forgets both writers
    expect(await gateway.askHpa('front-end', 1)).toBe(1);
  });

  it.each([
    [{ service: 'nope', replicas: 2 }, /unknown service/],
    [{ service: 'carts', replicas: 0 }, /whole number ≥ 1/],
    [{ service: 'carts', replicas: 1.5 }, /whole number ≥ 1/],
    ['{not json', /not JSON/],
  ])('refuses %j with 400 and changes nothing', async (body, message) => {
    gateway.reset(1);
    const before = await (await fetch(new URL('/admin/replicas', sim.url))).json();
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
    expect(await (await fetch(new URL('/admin/replicas', sim.url))).json()).toEqual(before);
  });
});
