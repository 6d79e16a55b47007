import { describe, expect, it } from 'vitest';
import { DEFAULT_JOURNEY, JOURNEY_STEPS, JourneyPicker, journeyRequests, parseJourneyWeights } from './journey.js';

describe('journey', () => {
  const requests = journeyRequests();

  it.each([
    { step: 'home', method: 'GET', path: '/' },
    { step: 'catalogue', method: 'GET', path: '/catalogue' },
    { step: 'category', method: 'GET', path: '/catalogue?tags=blue' },
    { step: 'item', method: 'GET', path: `/catalogue/${DEFAULT_JOURNEY.itemIds[0]}` },
    { step: 'login', method: 'GET', path: '/login' },
    { step: 'addToCart', method: 'POST', path: '/cart' },
    { step: 'basket', method: 'GET', path: '/basket.html' },
    { step: 'checkout', method: 'POST', path: '/orders' },
  ])('$step: $method $path', ({ step, method, path }) => {
    expect(requests.some((r) => r.step === step && r.method === method && r.path === path)).toBe(true);
  });

  it('logs in with basic auth and adds an item with a JSON body', () => {
    const login = requests.find((r) => r.step === 'login')!;
    expect(Buffer.from(login.headers!.Authorization.replace('Basic ', ''), 'base64').toString()).toBe('user:password');
    const add = requests.find((r) => r.step === 'addToCart')!;
    expect(JSON.parse(add.body!)).toEqual({ id: DEFAULT_JOURNEY.itemIds[0], quantity: 1 });
    expect(add.headers!['Content-Type']).toBe('application/json');
  });

  it('spreads a step’s weight over its variants', () => {
    const total = (step: string) => requests.filter((r) => r.step === step).reduce((s, r) => s + r.weight, 0);
    for (const step of JOURNEY_STEPS) expect(total(step)).toBeCloseTo(DEFAULT_JOURNEY.weights[step]!, 9);
  });

  it('picks steps in proportion to their weights, the same sequence for the same seed', () => {
    const picker = new JourneyPicker(requests, 42);
    const counts: Record<string, number> = {};
    const n = 100_000;
    const first: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = picker.next();
      counts[r.step] = (counts[r.step] ?? 0) + 1;
      if (i < 50) first.push(r.path);
    }
    const sum = Object.values(DEFAULT_JOURNEY.weights).reduce((a, b) => a + b!, 0)!;
    for (const step of JOURNEY_STEPS) expect(counts[step] / n).toBeCloseTo(DEFAULT_JOURNEY.weights[step]! / sum, 2);
    const again = new JourneyPicker(requests, 42);
    expect(first).toEqual(Array.from({ length: 50 }, () => again.next().path));
    const other = new JourneyPicker(requests, 43);
    expect(Array.from({ length: 50 }, () => other.next().path)).not.toEqual(first);
  });

  it.each([
    { raw: 'home=1,checkout=0', home: 1, checkout: 0, catalogue: 20 },
    { raw: ' catalogue=2.5 ', home: 15, checkout: 5, catalogue: 2.5 },
  ])('parses the mix $raw', ({ raw, ...want }) => {
    const w = parseJourneyWeights(raw);
    expect({ home: w.home, checkout: w.checkout, catalogue: w.catalogue }).toEqual(want);
  });

  it('leaves out steps weighted 0', () => {
    const only = journeyRequests({ ...DEFAULT_JOURNEY, weights: parseJourneyWeights('home=1', Object.fromEntries(JOURNEY_STEPS.map((s) => [s, 0]))) });
    expect(only.map((r) => r.path)).toEqual(['/']);
  });

  it.each([
    ['shop=1', /unknown journey step 'shop'/],
    ['home=-1', /not step=weight/],
    ['home', /not step=weight/],
  ])('rejects the mix %s', (raw, message) => expect(() => parseJourneyWeights(raw)).toThrow(message));

  it('rejects a mix with nothing to pick', () => {
    expect(() => journeyRequests({ ...DEFAULT_JOURNEY, weights: {} })).toThrow(/no step with a positive weight/);
  });
});
