/**
 * `experiment run --hpa-floor`: sockml over an HPA that stays, on the emulator. The run's HPA controller
 * (in process) and sockml's `scale --actuator http` (its own process) both ask for replicas here, and the
 * target runs the larger of the two counts (ReplicaFloor, the arbiter the lab's HpaFloorController uses),
 * as a cluster does when sockml raises an HPA's minReplicas.
 *
 *   POST <url> {"service", "replicas"[, "decision_id"]}   sockml's count (the http actuator's request);
 *                                                         answers the count the service runs
 *   GET  <url>                                            sockml's own counts, by service: where the
 *       scaler's policy starts (`scale` reads it before a service's first decision), as it starts in the
 *       lab and in replay, not from what the HPA made run (what kubernetes-hpa-floor's currentReplicas
 *       reads too: the HPA's minReplicas)
 */
import { createServer, type Server } from 'node:http';
import { ReplicaFloor } from '@sockml/core';
import type { ExperimentTarget } from './experiment-target.js';

const MAX_BODY = 64 * 1024;

export class FloorGateway {
  private floor: ReplicaFloor;
  private readonly running = new Map<string, number>();
  /** Writes to the target, one at a time, so the last ask is what the target runs. */
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly server: Server,
    private readonly target: ExperimentTarget,
    private readonly services: readonly string[],
    readonly url: string,
    initialReplicas: number,
  ) {
    this.floor = new ReplicaFloor(initialReplicas);
  }

  /** Listens on 127.0.0.1 (any free port) in front of `target`. */
  static async start(target: ExperimentTarget, services: readonly string[], initialReplicas = 1): Promise<FloorGateway> {
    let gateway: FloorGateway | undefined;
    const server = createServer((req, res) => void gateway!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as { port: number };
    gateway = new FloorGateway(server, target, services, `http://127.0.0.1:${port}/replicas`, initialReplicas);
    return gateway;
  }

  /** A new run: every service back at `initialReplicas`, neither writer's earlier asks remembered. */
  reset(initialReplicas: number): void {
    this.floor = new ReplicaFloor(initialReplicas);
    this.running.clear();
    for (const s of this.services) this.running.set(s, initialReplicas);
  }

  /** The HPA's count for a service; resolves once the target runs the larger of the two. */
  askHpa(service: string, replicas: number): Promise<number> {
    return this.apply(service, this.floor.ask('hpa', service, replicas));
  }

  /** An HPA sync that changed nothing for `service`: it wants what runs. */
  hpaHolds(service: string, running: number): void {
    this.floor.hpaHolds(service, running);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private apply(service: string, replicas: number): Promise<number> {
    const write = this.queue.then(async () => {
      if (this.running.get(service) === replicas) return;
      await this.target.setReplicas(service, replicas);
      this.running.set(service, replicas);
    });
    this.queue = write.catch(() => undefined);
    return write.then(() => replicas);
  }

  private async handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === 'GET') return reply(200, Object.fromEntries(this.services.map((s) => [s, this.floor.wanted('sockml', s)])));
      if (req.method !== 'POST') return reply(405, { error: 'GET or POST' });
      let text = '';
      for await (const chunk of req) {
        text += chunk;
        if (text.length > MAX_BODY) return reply(413, { error: 'body too large' });
      }
      let body: { service?: unknown; replicas?: unknown };
      try {
        body = JSON.parse(text);
      } catch {
        return reply(400, { error: 'the body is not JSON' });
      }
      const { service, replicas } = body;
      if (typeof service !== 'string' || !this.services.includes(service)) return reply(400, { error: `unknown service ${JSON.stringify(service)}` });
      if (!Number.isInteger(replicas) || (replicas as number) < 1) return reply(400, { error: `replicas must be a whole number ≥ 1, got ${JSON.stringify(replicas)}` });
      const running = await this.apply(service, this.floor.ask('sockml', service, replicas as number));
      reply(200, { service, replicas: running });
    } catch (e) {
      reply(502, { error: `the target refused: ${(e as Error).message}` });
    }
  }
}
