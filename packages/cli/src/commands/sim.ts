import { Flags } from '@oclif/core';
import { DEFAULT_QUEUE_MODEL, isSockShopService, MAX_EMULATED_REPLICAS, SockShopEmulator, SOCKSHOP_SERVICES, type SockShopService } from '@sockml/core';
import { InputError, SockmlCommand } from '../lib/base-command.js';
import { startEmulatorServer } from '../sim/emulator-server.js';
import { logFlags, loggerFromFlags } from '../ops/ops-flags.js';

export default class Sim extends SockmlCommand {
  static summary = 'Run a local emulator of Sock Shop: its front-end routes, its metrics, and replicas you can set.';

  static description = `An EMULATOR, not Sock Shop: no service code runs. Each service (front-end, carts, orders, catalogue,
user, payment, shipping) is a queue model with replicas (1 at start), a capacity per replica, a service
time (mean, spread, per-route cost), a stall that hits a growing share of requests as utilisation ρ grows
(ρ^3.5 of them, ~65 ms each) plus a backlog when arrivals exceed capacity, CPU per request and memory per
replica, calibrated against the GKE recordings (docs/EXPERIMENTS.md, "Calibration"). A request to the
front-end fans out to the services it calls (GET /catalogue → catalogue; POST /cart → catalogue, carts;
GET /login → user, carts; POST /orders → user ×2, then orders → user, carts, payment, shipping) and is
answered after the modelled latency; 503 when a queue is full, 500 when a downstream call failed.

GET /metrics serves Sock Shop's metric names: request_duration_seconds{service,method,route,status_code}
(client_golang's default buckets), process_cpu_seconds_total{service},
process_resident_memory_bytes{service}, kube_deployment_status_replicas{deployment}. GET /admin/replicas
shows the replicas; POST /admin/replicas {"service": "carts", "replicas": 3} sets them (what
\`sockml scale --actuator http\` sends): a new replica serves after a ${DEFAULT_QUEUE_MODEL.startupDelayMs / 1000} s start-up delay
(divided by --time-scale); counts must be whole numbers 0–${MAX_EMULATED_REPLICAS}, else 400.
Runs until Ctrl-C (SIGINT) or SIGTERM.

Exit codes: 0 stopped by a signal, 2 bad input.`;

  static examples = [
    { description: 'The emulator on the default port (it runs until Ctrl-C)', command: '<%= config.bin %> sim --port 8079' },
    { description: 'Then, in another terminal, load on it', command: '<%= config.bin %> loadtest --pattern ramp --duration 5m --target http://127.0.0.1:8079 --peak-rps 150' },
    { description: 'Only the front-end and the catalogue, replicas ready 10× sooner', command: '<%= config.bin %> sim --services front-end,catalogue --time-scale 10' },
  ];

  static flags = {
    port: Flags.integer({ description: 'port to listen on (0: any free port; printed)', default: 8079, min: 0, max: 65535 }),
    host: Flags.string({ description: 'address to listen on', default: '127.0.0.1' }),
    services: Flags.string({ description: `services to emulate, comma-separated (the others cost nothing and export nothing) [default: ${SOCKSHOP_SERVICES.join(',')}]` }),
    'time-scale': Flags.string({ description: 'divides the replica start-up delay (10: ready after 2 s); rates and latencies stay real-time', default: '1' }),
    ...logFlags,
  };

  async run() {
    const { flags } = await this.parse(Sim);
    // sim's lines are status for people, on stderr in both formats (stdout stays empty).
    const log = loggerFromFlags('sim', flags, (line) => this.logToStderr(line));
    const timeScale = Number(flags['time-scale']);
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new InputError(`--time-scale must be a positive number, got '${flags['time-scale']}'`);
    let services: SockShopService[] = [...SOCKSHOP_SERVICES];
    if (flags.services !== undefined) {
      const names = flags.services.split(',').map((s) => s.trim()).filter(Boolean);
      const unknown = names.filter((s) => !isSockShopService(s));
      if (unknown.length > 0) throw new InputError(`--services: unknown service ${unknown.map((s) => `'${s}'`).join(', ')} (one of ${SOCKSHOP_SERVICES.join(', ')})`);
      if (names.length === 0) throw new InputError('--services: name at least one service');
      services = names as SockShopService[];
    }

    // performance.now() is monotonic: the model's clock must never run backwards (wall-clock steps do).
    const clock = () => performance.now();
    const emulator = new SockShopEmulator({ services, timeScale }, clock());
    let server;
    try {
      server = await startEmulatorServer({ emulator, clock, host: flags.host, port: flags.port });
    } catch (e) {
      throw new InputError(`cannot listen on ${flags.host}:${flags.port}: ${(e as Error).message}`);
    }
    // Listen for the signals before saying we are up: a SIGTERM right after the banner must stop cleanly.
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    log.info(`sockml sim: Sock Shop emulator on ${server.url} (${emulator.services.join(', ')}; start-up delay ${DEFAULT_QUEUE_MODEL.startupDelayMs / timeScale / 1000} s); /metrics, /admin/replicas; Ctrl-C stops`, {
      url: server.url,
      services: emulator.services,
    });
    const signal = await stopped;
    await server.stop();
    log.info(`sockml sim: stopped (${signal})`, { signal });
  }
}
