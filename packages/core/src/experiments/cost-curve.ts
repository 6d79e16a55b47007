/** One controller setting's outcome: mean replica-seconds and violating snapshots per run. */
export interface CostViolationPoint {
  /** What the setting is (e.g. the HPA's target, 'hpa 60 %'), carried through for reports. */
  label?: string;
  cost: number;
  violations: number;
}

/** Where a cost falls against a curve, and the violations the curve has there. */
export type CurveReading =
  | { where: 'between'; violations: number; from: CostViolationPoint; to: CostViolationPoint }
  /** Dearer than every point: the curve's fewest violations (spending more buys nothing it has shown). */
  | { where: 'beyond'; violations: number; from: CostViolationPoint }
  /** Cheaper than every point: the curve says nothing there. */
  | { where: 'below' };

/**
 * The cost/violation curve of one controller over its settings (the HPA over its CPU targets) on the same
 * arrivals: the lower convex hull of its points. A cost between two settings is what running each for a
 * share of the time reaches, so the hull is the most the controller can claim from the settings measured
 * (settings between them were not run and could lie lower). Comparing another controller with the curve at
 * its own cost asks whether it allocates replicas better, whatever point of its own curve a load puts it
 * at; comparing with one setting (the HPA at 70 %) mixes that with where the points fall.
 */
export class CostViolationCurve {
  /** The hull, cheapest first, violations strictly falling. */
  readonly hull: readonly CostViolationPoint[];

  constructor(points: readonly CostViolationPoint[]) {
    for (const p of points) {
      if (!(Number.isFinite(p.cost) && p.cost >= 0 && Number.isFinite(p.violations) && p.violations >= 0)) {
        throw new Error(`cost/violation curve: a point needs a finite, non-negative cost and violations, got ${JSON.stringify(p)}`);
      }
    }
    const sorted = [...points].sort((a, b) => a.cost - b.cost || a.violations - b.violations);
    const hull: CostViolationPoint[] = [];
    for (const p of sorted) {
      // Dominated: no fewer violations than a point that costs no more.
      if (hull.length && p.violations >= hull.at(-1)!.violations) continue;
      // Above the chord from the point before the last to this one: the last is not on the lower hull.
      while (hull.length >= 2 && cross(hull.at(-2)!, hull.at(-1)!, p) <= 0) hull.pop();
      hull.push(p);
    }
    this.hull = hull;
  }

  /** The curve's violations at `cost`. */
  at(cost: number): CurveReading {
    if (!(Number.isFinite(cost) && cost >= 0)) throw new Error(`cost/violation curve: a cost must be a finite, non-negative number, got ${cost}`);
    const h = this.hull;
    if (h.length === 0 || cost < h[0].cost) return { where: 'below' };
    for (let i = 0; i + 1 < h.length; i++) {
      const [a, b] = [h[i], h[i + 1]];
      if (cost <= b.cost) return { where: 'between', violations: a.violations + ((b.violations - a.violations) * (cost - a.cost)) / (b.cost - a.cost), from: a, to: b };
    }
    const last = h.at(-1)!;
    return cost === last.cost && h.length === 1 ? { where: 'between', violations: last.violations, from: last, to: last } : { where: 'beyond', violations: last.violations, from: last };
  }
}

/** > 0 when o → a → b turns left (b above the line through o and a, costs increasing). */
function cross(o: CostViolationPoint, a: CostViolationPoint, b: CostViolationPoint): number {
  return (a.cost - o.cost) * (b.violations - o.violations) - (a.violations - o.violations) * (b.cost - o.cost);
}
