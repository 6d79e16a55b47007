/** The emulator as the experiment's target, in this process on a free port (as `sockml sim` runs it). */
import { SockShopEmulator, type SockShopService } from '@sockml/core';
import { startEmulatorServer, type EmulatorServer } from '../../sim/emulator-server.js';

export async function startSimTarget(o: { services: readonly SockShopService[]; timeScale: number; port?: number }): Promise<{ emulator: SockShopEmulator; server: EmulatorServer }> {
  const clock = () => performance.now();
  const emulator = new SockShopEmulator({ services: o.services, timeScale: o.timeScale }, clock());
  const server = await startEmulatorServer({ emulator, clock, host: '127.0.0.1', port: o.port ?? 0 });
  return { emulator, server };
}
