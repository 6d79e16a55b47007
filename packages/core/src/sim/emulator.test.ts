import { describe, expect, it } from 'vitest';
import { SockShopEmulator } from './emulator.js';
import { routeRequest, SOCKSHOP_SERVICES } from './topology.js';
import { journeyRequests } from '../load/journey.js';

describe('routeRequest', () => {
  it('serves every request of the loadtest journey', () => {
    for (const r of journeyRequests()) expect(routeRequest(r.method, r.path), `${r.method} ${r.path}`).not.toBeNull();
  });

  it.each([
    { method: 'GET', path: '/', services: ['front-end'] },
    { method: 'GET', path: '/catalogue?tags=blue', services: ['front-end', 'catalogue'] },
    { method: 'GET', path: '/catalogue/abc', services: ['front-end', 'catalogue'] },
    { method: 'GET', path: '/login', services: ['front-end', 'user'] },
    { method: 'POST', path: '/cart', services: ['front-end', 'catalogue', 'carts'] },
    { method: 'GET', path: '/cart', services: ['front-end', 'carts'] },
    { method: 'POST', path: '/orders', services: ['front-end', 'orders', 'user', 'carts', 'payment', 'shipping'] },
  ])('$method $path fans out to $services', ({ method, path, services }) => {
    const seen: string[] = [];
    const walk = (c: NonNullable<ReturnType<typeof routeRequest>>) => {
      seen.push(c.service);
      c.calls.forEach(walk);
    };
    walk(routeRequest(method, path)!);
    expect(seen).toEqual(services);
  });

  it('does not serve what the front-end does not', () => {
    expect(routeRequest('DELETE', '/catalogue')).toBeNull();
    expect(routeRequest('GET', '/nope')).toBeNull();
  });
});

describe('SockShopEmulator', () => {
  it('a checkout observes every service on the way; callers include their calls’ latency', () => {
    const em = new SockShopEmulator({}, 0);
    const r = em.handle('POST', '/orders', 0);
    expect(r.status).toBe(200);
    const by = Object.fromEntries(r.observations.map((o) => [o.service, o]));
    expect(Object.keys(by).sort()).toEqual(['carts', 'front-end', 'orders', 'payment', 'shipping', 'user']);
    const leaves = by.user.latencyMs + by.carts.latencyMs + by.payment.latencyMs + by.shipping.latencyMs;
    expect(by.orders.latencyMs).toBeGreaterThan(leaves);
    expect(by['front-end'].latencyMs).toBeGreaterThan(by.orders.latencyMs);
    expect(r.latencyMs).toBe(by['front-end'].latencyMs);
    expect(by.orders).toMatchObject({ method: 'POST', route: '/orders', status: 200 });
  });

  it('a rejected downstream call makes the front-end answer 500; an unknown path is 404', () => {
    const em = new SockShopEmulator({}, 0);
    em.setReplicas('catalogue', 0, 0);
    const r = em.handle('GET', '/catalogue', 1);
    expect(r.status).toBe(500);
    expect(r.observations.map((o) => [o.service, o.status])).toEqual([
      ['catalogue', 503],
      ['front-end', 500],
    ]);
    expect(em.handle('GET', '/nope', 2)).toEqual({ status: 404, latencyMs: 0, observations: [] });
  });

  it('emulates a subset: other services cost nothing and report nothing', () => {
    const em = new SockShopEmulator({ services: ['catalogue', 'front-end'] }, 0);
    expect(em.services).toEqual(['front-end', 'catalogue']);
    expect(em.handle('POST', '/orders', 0).observations.map((o) => o.service)).toEqual(['front-end']);
    expect(em.replicas(0)).toEqual({ 'front-end': 1, catalogue: 1 });
    expect(() => em.setReplicas('orders', 2, 0)).toThrow(/not emulated/);
  });

  it('--time-scale divides the start-up delay', () => {
    const em = new SockShopEmulator({ timeScale: 10 }, 0);
    em.setReplicas('carts', 3, 0);
    expect(em.snapshot(1999).carts.ready).toBe(1);
    expect(em.snapshot(2000).carts.ready).toBe(3);
    expect(em.replicas(0)).toEqual(Object.fromEntries(SOCKSHOP_SERVICES.map((s) => [s, s === 'carts' ? 3 : 1])));
    expect(() => new SockShopEmulator({ timeScale: 0 }, 0)).toThrow(/time scale/);
  });

  it('front-end latency rises with load and falls once added replicas are ready', () => {
    const em = new SockShopEmulator({ timeScale: 10 }, 0);
    const home = (rps: number, from: number, ms: number) => {
      let last = 0;
      for (let t = from; t < from + ms; t += 1000 / rps) last = em.handle('GET', '/', t).latencyMs;
      return last;
    };
    const light = home(30, 0, 3000);
    const heavy = home(150, 3000, 2000);
    expect(heavy).toBeGreaterThan(light * 10);
    em.setReplicas('front-end', 3, 5000);
    expect(home(150, 5000, 1000)).toBeGreaterThan(heavy); // still starting (2 s at time-scale 10)
    expect(home(150, 6000, 6000)).toBeLessThan(light * 2);
  });
});
