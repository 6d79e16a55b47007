import type { ActuationResult, Actuator } from '@sockml/core';

/** Shadow mode: says what it would do, changes nothing. The default actuator. */
export class LogActuator implements Actuator {
  readonly name = 'log';
  constructor(private readonly write: (line: string) => void) {}

  async apply(d: Parameters<Actuator['apply']>[0]): Promise<ActuationResult> {
    const detail = d.decision === 'NO_ACTION' ? `${d.service}: keep ${d.targetReplicas} replicas` : `${d.service}: would scale to ${d.targetReplicas} replicas (${d.decision})`;
    if (d.decision !== 'NO_ACTION') this.write(`[shadow] ${detail}`);
    return { applied: false, detail };
  }
}
