import { LabCluster } from '../lab/lab-cluster.js';
import { SockShopEmulator } from '../sim/emulator.js';

/**
 * For the lab controllers' tests: a cluster of one front-end, deterministic (no latency spread), ten minutes
 * long, that a controller can scale and read back, with nothing else in the way.
 */
export function oneServiceLabCluster(): LabCluster {
  const em = new SockShopEmulator(
    {
      services: ['front-end'],
      specs: { 'front-end': { capacityRps: 100, baseLatencyMs: 3, latencyCv: 0, routeCost: {}, cpuMsPerRequest: 2, cpuRequestCores: 0.1, idleCores: 0.01, memoryMbPerReplica: 64 } },
      seed: 1,
    },
    0,
  );
  return new LabCluster(em, 600_000);
}
