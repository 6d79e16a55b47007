import { seededRandom } from '../random.js';

/**
 * The Sock Shop user journey as a weighted mix of requests. Each step is one HTTP request against the
 * front-end; steps with variants (a category per tag, an item per id) spread their weight evenly over the
 * variants. The mix is stateless on purpose: an open-model arrival is one request, not a session, so
 * a checkout is not tied to an earlier add-to-cart (the front-end answers it all the same, which is the load
 * that matters for autoscaling).
 */
export const JOURNEY_STEPS = ['home', 'catalogue', 'category', 'item', 'login', 'addToCart', 'basket', 'checkout'] as const;
export type JourneyStep = (typeof JOURNEY_STEPS)[number];

export interface JourneyRequest {
  step: JourneyStep;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface JourneyOptions {
  /** Relative weights; a step left out or weighted 0 is never picked. */
  weights: Partial<Record<JourneyStep, number>>;
  /** Catalogue item ids for the item and add-to-cart steps. */
  itemIds: string[];
  /** Catalogue tags for the category step. */
  tags: string[];
  /** The login step's basic-auth credentials (Sock Shop's demo user by default). */
  user: { username: string; password: string };
  /** The basket step's path: the page (`/basket.html`) or the API (`/cart`). */
  basketPath: '/basket.html' | '/cart';
}

/**
 * Browsing dominates, as in the recordings (catalogue and front-end carry most of the traffic, orders
 * little): a visitor looks at several pages per item they buy.
 */
export const DEFAULT_JOURNEY: JourneyOptions = {
  weights: { home: 15, catalogue: 20, category: 15, item: 20, login: 5, addToCart: 10, basket: 10, checkout: 5 },
  // The ids of socks the stock Sock Shop catalogue database ships with.
  itemIds: ['03fef6ac-1896-4ce8-bd69-b798f85c6e0b', '3395a43e-2d88-40de-b95f-e00e1502085b', '510a0d7e-8e83-4193-b483-e27e09ddc34d', '808a2de1-1aaa-4c25-a9b9-6612e8f29a38', 'a0a4f044-b040-410d-8ead-4de0446aec7e', 'd3588630-ad8e-49df-bbd7-3167f7efb246'],
  tags: ['blue', 'brown', 'formal', 'green', 'red', 'sport', 'geek', 'magic'],
  user: { username: 'user', password: 'password' },
  basketPath: '/basket.html',
};

/** Every concrete request the journey can make, with its share of the weight. */
export interface WeightedRequest extends JourneyRequest {
  weight: number;
}

export function journeyRequests(o: JourneyOptions = DEFAULT_JOURNEY): WeightedRequest[] {
  const json = { 'Content-Type': 'application/json' };
  const variants: Record<JourneyStep, () => JourneyRequest[]> = {
    home: () => [{ step: 'home', method: 'GET', path: '/' }],
    catalogue: () => [{ step: 'catalogue', method: 'GET', path: '/catalogue' }],
    category: () => o.tags.map((tag) => ({ step: 'category', method: 'GET', path: `/catalogue?tags=${encodeURIComponent(tag)}` })),
    item: () => o.itemIds.map((id) => ({ step: 'item', method: 'GET', path: `/catalogue/${encodeURIComponent(id)}` })),
    login: () => [
      {
        step: 'login',
        method: 'GET',
        path: '/login',
        headers: { Authorization: `Basic ${Buffer.from(`${o.user.username}:${o.user.password}`).toString('base64')}` },
      },
    ],
    addToCart: () => o.itemIds.map((id) => ({ step: 'addToCart', method: 'POST', path: '/cart', headers: json, body: JSON.stringify({ id, quantity: 1 }) })),
    basket: () => [{ step: 'basket', method: 'GET', path: o.basketPath }],
    checkout: () => [{ step: 'checkout', method: 'POST', path: '/orders', headers: json, body: '{}' }],
  };
  const out: WeightedRequest[] = [];
  for (const step of JOURNEY_STEPS) {
    const w = o.weights[step] ?? 0;
    if (!(w >= 0)) throw new Error(`journey weight of ${step} must be ≥ 0, got ${w}`);
    if (w === 0) continue;
    const vs = variants[step]();
    if (vs.length === 0) throw new Error(`journey step ${step} has weight ${w} but no ${step === 'category' ? 'tags' : 'item ids'}`);
    for (const v of vs) out.push({ ...v, weight: w / vs.length });
  }
  if (out.length === 0) throw new Error('the journey mix has no step with a positive weight');
  return out;
}

/**
 * Parses a mix such as `home=1,catalogue=3,checkout=0`: the steps named replace the default weights, the
 * others keep theirs.
 */
export function parseJourneyWeights(raw: string, base: JourneyOptions['weights'] = DEFAULT_JOURNEY.weights): JourneyOptions['weights'] {
  const out = { ...base };
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m) throw new Error(`'${part}' is not step=weight (e.g. home=1,checkout=0.5)`);
    if (!(JOURNEY_STEPS as readonly string[]).includes(m[1])) throw new Error(`unknown journey step '${m[1]}' (one of ${JOURNEY_STEPS.join(', ')})`);
    out[m[1] as JourneyStep] = Number(m[2]);
  }
  return out;
}

/** Picks journey requests by weight with a seeded PRNG: the same seed gives the same sequence. */
export class JourneyPicker {
  private readonly cumulative: number[] = [];
  private readonly random: () => number;

  constructor(
    readonly requests: readonly WeightedRequest[],
    seed: number,
  ) {
    let sum = 0;
    for (const r of requests) this.cumulative.push((sum += r.weight));
    this.random = seededRandom(seed);
  }

  next(): WeightedRequest {
    const u = this.random() * this.cumulative[this.cumulative.length - 1];
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return this.requests[lo];
  }
}
