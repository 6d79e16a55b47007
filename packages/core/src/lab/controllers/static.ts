import type { LabController } from '../lab-controller.js';

/** The static condition: replicas stay as the run started. */
export class StaticController implements LabController {
  nextAtMs(): number {
    return Infinity;
  }
  async fire() {
    return [];
  }
}
