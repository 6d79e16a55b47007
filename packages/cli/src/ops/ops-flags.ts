/**
 * The flags every long-running command shares for operating it: where /metrics and /healthz listen,
 * when /healthz gives up on a stalled loop, and how logs are written. Defined once so collect,
 * serve-model and scale spell and document them alike.
 */
import { Flags } from '@oclif/core';
import { durationFlag } from '../lib/flags.js';
import { Logger, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './logger.js';

export const logFlags = {
  'log-format': Flags.string({
    description: 'text: lines for people (stdout, warnings on stderr); json: one JSON object per line on stderr with time, level, command, msg (kafkajs logs too)',
    options: [...LOG_FORMATS],
    default: 'text',
    env: 'SOCKML_LOG_FORMAT',
  }),
  'log-level': Flags.string({ description: 'least severe level logged (debug also passes kafkajs INFO logs)', options: [...LOG_LEVELS], default: 'info', env: 'SOCKML_LOG_LEVEL' }),
};

export const opsFlags = {
  port: Flags.integer({ description: 'HTTP port for /metrics and /healthz (0: any free port; printed)', default: 0, min: 0, max: 65535 }),
  host: Flags.string({ description: 'address /metrics and /healthz listen on; in a container, 0.0.0.0, so the kubelet and Prometheus reach them', default: '127.0.0.1' }),
  'unhealthy-after': Flags.string({
    description: '/healthz answers 503 when the Kafka consumer has not completed a fetch (collect: no poll finished) for this long [default: 60s; collect: 3 × --interval, at least 60s]',
  }),
  ...logFlags,
};

export interface LogFlagValues {
  'log-format': string;
  'log-level': string;
}

/**
 * The command's logger. Text info lines go to `out` (the command's this.log, which --json silences, or
 * stderr for sim); warnings and errors to stderr, one unwrapped line each (oclif's warn wraps long lines).
 */
export function loggerFromFlags(command: string, flags: LogFlagValues, out: (line: string) => void): Logger {
  return new Logger({ command, format: flags['log-format'] as LogFormat, level: flags['log-level'] as LogLevel, text: { out, err: (line) => void process.stderr.write(line + '\n') } });
}

/** --unhealthy-after in ms, or `fallbackMs` when it is not given. */
export function unhealthyAfterMs(raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  return durationFlag('unhealthy-after', raw); // positive, or a bad-input error naming the flag
}
