/** Who asks for replicas when sockml runs over an HPA that stays. */
export type FloorWriter = 'hpa' | 'sockml';

/**
 * sockml over an HPA that stays: each service runs the larger of the HPA's count and sockml's, as when
 * sockml raises the HPA's minReplicas instead of writing the Deployment's scale. The one arbiter of the
 * two counts, for the lab (HpaFloorController) and for `experiment run --hpa-floor` alike, so both
 * compose the two writers the same way. Pure: it says what to run; the caller runs it.
 */
export class ReplicaFloor {
  private readonly wanted_: Record<FloorWriter, Map<string, number>> = { hpa: new Map(), sockml: new Map() };

  constructor(
    /** What every service runs before either writer has asked for anything. */
    private readonly initialReplicas: number,
  ) {}

  /** A writer asks for `replicas` of `service`: the count the service should run now. */
  ask(who: FloorWriter, service: string, replicas: number): number {
    this.wanted_[who].set(service, replicas);
    return this.running(service);
  }

  /**
   * An HPA sync that changed nothing for `service` wants what runs now (its stabilised count): sockml
   * lowering its floor then does not take replicas the HPA's own scale-down window still keeps.
   */
  hpaHolds(service: string, running: number): void {
    this.wanted_.hpa.set(service, running);
  }

  /** What `who` last asked for `service` (the initial count before it asked). */
  wanted(who: FloorWriter, service: string): number {
    return this.wanted_[who].get(service) ?? this.initialReplicas;
  }

  /** The larger of the two writers' counts. */
  running(service: string): number {
    return Math.max(this.wanted('hpa', service), this.wanted('sockml', service));
  }
}
