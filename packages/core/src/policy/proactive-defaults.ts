/**
 * The rest of the proactive configuration chosen in the lab (docs/EXPERIMENTS.md, "Criterion v6", its floor
 * per service since "Criterion v9"; the
 * hybrid policy's defaults are its policy settings): what `lab` and `experiment run` on the emulator
 * run as "proactive" when no flag says otherwise. Outside the emulator sockml cannot start an HPA: on a
 * cluster it is `scale --actuator kubernetes-hpa-floor` over the Deployment's own HPA, and collect's
 * `--rate-window 30s` (docs/OPERATIONS.md).
 */

/** An HPA at this target CPU % runs beside sockml, and each service runs the larger of the two counts (0: sockml alone). */
export const DEFAULT_HPA_FLOOR_PCT = 92;

/**
 * Services whose HPA under sockml has a target of its own by default (criterion v9, chosen on tuning loads
 * at 100–300 rps): the front-end's p95 contains catalogue's queue, and catalogue (and carts) are cheap in CPU,
 * so a richer floor there ends violations that more front-end replicas do not. It applies with the default
 * floor only: `--hpa-floor N` given on the command line puts every service at N (as before criterion v9),
 * and a config file's `hpa-floor` sets a service's own.
 */
export const DEFAULT_HPA_FLOOR_PCT_BY_SERVICE: Readonly<Record<string, number>> = { catalogue: 50, carts: 70 };

/**
 * The services of `services` whose floor HPA has a target of its own, and that target: a service's own
 * (`own`, e.g. a config file's hpa-floor), else, unless --hpa-floor was given, DEFAULT_HPA_FLOOR_PCT_BY_SERVICE's.
 * One rule for `lab` and `experiment run`, so the two cannot run different floors by default.
 */
export function floorPctByService(services: readonly string[], floorGiven: boolean, own: (service: string) => number | undefined = () => undefined): Record<string, number> {
  return Object.fromEntries(
    services.flatMap((s) => {
      const pct = own(s) ?? (floorGiven ? undefined : DEFAULT_HPA_FLOOR_PCT_BY_SERVICE[s]);
      return pct === undefined ? [] : [[s, pct]];
    }),
  );
}

/** floorPctByService's targets as each service's options for the floor's HPA. */
export const floorHpaOptionsByService = (pctByService: Readonly<Record<string, number>>): Record<string, { targetUtilizationPct: number }> =>
  Object.fromEntries(Object.entries(pctByService).map(([s, pct]) => [s, { targetUtilizationPct: pct }]));

/**
 * Each service's options for one HPA of a run: its bounds for every HPA (a config file's, `byService`) under
 * the floor HPA's own (its per-service target, `floorByService`, for the HPA under sockml only). One merge for
 * the lab and `experiment run`, so the two cannot give a service's HPA different options.
 */
export function hpaOptionsByService<T extends object>(
  services: readonly string[],
  byService?: Readonly<Record<string, Partial<T>>>,
  floorByService?: Readonly<Record<string, Partial<T>>>,
): Record<string, Partial<T>> {
  return Object.fromEntries(services.map((s) => [s, { ...byService?.[s], ...floorByService?.[s] }]));
}

/**
 * collect's rate() window, in polls. One: a poll then sees a step whole instead of half of it
 * (EXPERIMENTS.md, "rates over 30 s instead of 1 minute"). The models' training recordings rated over a
 * minute; the chosen setting was measured with the 30 s window, models included.
 */
export const DEFAULT_RATE_WINDOW_POLLS = 1;

/**
 * The hybrid settings chosen for sockml alone, without an HPA under it (the defaults until 2026-12-06,
 * with a rate window of two polls): what to set where no HPA floor runs. calmPolls 0: criterion v12 chose
 * 2 over a floor HPA, whose own 5-minute window still holds the capacity; alone, nothing else would.
 */
export const ALONE_HYBRID_SETTINGS = { targetUtilizationPct: 105, trendPolls: 1, attributionMinUtilization: 0, midTierAttributionMinUtilization: 0, midTierMinReplicas: 0, calmPolls: 0 } as const;
