import { describe, expect, it } from 'vitest';
import { floorHpaOptionsByService, floorPctByService, hpaOptionsByService } from './proactive-defaults.js';

const SERVICES = ['front-end', 'carts', 'orders', 'catalogue'];

describe('floorPctByService: which services the floor HPA gives a target of their own', () => {
  it.each([
    { name: 'the default floor: the chosen per-service targets', given: false, own: {}, want: { carts: 70, catalogue: 50 } },
    { name: '--hpa-floor given: every service at it', given: true, own: {}, want: {} },
    { name: "a service's own target wins over the default's", given: false, own: { catalogue: 20 }, want: { carts: 70, catalogue: 20 } },
    { name: "--hpa-floor given: only the services' own targets", given: true, own: { orders: 60 }, want: { orders: 60 } },
  ])('$name', ({ given, own, want }) => {
    expect(floorPctByService(SERVICES, given, (s) => (own as Record<string, number>)[s])).toEqual(want);
  });

  it('names only services it is given', () => {
    expect(floorPctByService(['front-end'], false)).toEqual({});
  });

  it('floorHpaOptionsByService: each target as the HPA option', () => {
    expect(floorHpaOptionsByService({ catalogue: 50 })).toEqual({ catalogue: { targetUtilizationPct: 50 } });
  });
});

describe('hpaOptionsByService: a service’s HPA options, the floor’s own over the run’s bounds', () => {
  it.each([
    ['neither', undefined, undefined, { a: {}, b: {} }],
    ['bounds only', { a: { minReplicas: 2 } }, undefined, { a: { minReplicas: 2 }, b: {} }],
    ['floor target only', undefined, { b: { targetUtilizationPct: 50 } }, { a: {}, b: { targetUtilizationPct: 50 } }],
    ['both, the floor’s over the bounds', { a: { minReplicas: 2, targetUtilizationPct: 70 } }, { a: { targetUtilizationPct: 50 } }, { a: { minReplicas: 2, targetUtilizationPct: 50 }, b: {} }],
  ])('%s', (_name, byService, floor, want) => {
    expect(hpaOptionsByService<{ minReplicas: number; targetUtilizationPct: number }>(['a', 'b'], byService, floor)).toEqual(want);
  });
});
