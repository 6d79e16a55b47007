/**
 * The long-running commands' one logger (collect, serve-model, scale, sim). `--log-format text` keeps
 * the output people read: info lines on stdout as before, warnings and errors on stderr, one line each
 * (`Warning: …`, `Error: …`). `--log-format
 * json` writes every record, decisions and kafkajs's own logs included, as one JSON object per line on
 * stderr — `{"time", "level", "command", "msg", …fields}` — and leaves stdout to the command's result
 * (collect --json), so a log shipper and a script never read each other's lines.
 */
import kafkajs, { type logCreator } from 'kafkajs';

const { logLevel: KafkaLevel } = kafkajs;

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, unknown>;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  format: LogFormat;
  level?: LogLevel;
  /** The command, stamped on every JSON record. */
  command: string;
  /** Where text lines go: info and debug to `out`, warn and error to `err` (default: stdout, stderr). */
  text?: { out(line: string): void; err(line: string): void };
  /** Where JSON lines go (default: stderr). */
  write?(line: string): void;
  now?(): Date;
}

export class Logger {
  readonly format: LogFormat;
  readonly level: LogLevel;

  constructor(
    private readonly options: LoggerOptions,
    private readonly fields: LogFields = {},
  ) {
    this.format = options.format;
    this.level = options.level ?? 'info';
  }

  /** A logger whose records all carry `fields` (e.g. `{component: 'kafkajs'}`). */
  child(fields: LogFields): Logger {
    return new Logger(this.options, { ...this.fields, ...fields });
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.level];
  }

  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log('error', msg, fields);
  }

  /**
   * One record. In text mode `text` (default: `msg`) is what is printed — a decision block, say — and
   * the fields are for JSON only; in JSON mode `msg` and the fields are the record.
   */
  log(level: LogLevel, msg: string, fields?: LogFields, text?: string): void {
    if (!this.enabled(level)) return;
    if (this.format === 'json') {
      const record = { time: (this.options.now?.() ?? new Date()).toISOString(), level, command: this.options.command, msg, ...this.fields, ...fields };
      (this.options.write ?? writeStderr)(safeStringify(record));
      return;
    }
    const line = text ?? (level === 'debug' && Object.keys({ ...this.fields, ...fields }).length > 0 ? `${msg} ${safeStringify({ ...this.fields, ...fields })}` : msg);
    const sink = this.options.text ?? { out: writeStdout, err: writeStderr };
    // One line per record, never wrapped, with the level in front: grep and log shippers see whole records.
    if (level === 'warn') sink.err(`Warning: ${line}`);
    else if (level === 'error') sink.err(`Error: ${line}`);
    else sink.out(line);
  }

  /**
   * kafkajs's logs through this logger. kafkajs is chatty at INFO (every group join, every connect) and
   * says "retrying" at ERROR: it logs at ERROR normally and at INFO with `--log-level debug`.
   */
  kafkaLogLevel(): number {
    return this.level === 'debug' ? KafkaLevel.INFO : KafkaLevel.ERROR;
  }

  kafkaLogCreator(): logCreator {
    const kafka = this.child({ component: 'kafkajs' });
    return () => ({ namespace, level, log }) => {
      const { message, timestamp: _t, logger: _l, stack, ...extra } = log as { message: string; timestamp?: string; logger?: string; stack?: string; [k: string]: unknown };
      const ours: LogLevel = level <= KafkaLevel.ERROR ? 'error' : level === KafkaLevel.WARN ? 'warn' : level === KafkaLevel.INFO ? 'info' : 'debug';
      const fields = { namespace, ...extra, ...(kafka.enabled('debug') && stack ? { stack } : {}) };
      const detail = Object.entries(extra)
        .filter(([, v]) => v !== undefined && typeof v !== 'object')
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      kafka.log(ours, message, fields, `kafkajs [${namespace}] ${message}${detail ? ` (${detail})` : ''}`);
    };
  }
}

const writeStdout = (line: string) => void process.stdout.write(line + '\n');
const writeStderr = (line: string) => void process.stderr.write(line + '\n');

/** JSON.stringify that survives errors (as {name, message}), bigints and cycles. */
export function safeStringify(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_k, v) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return { name: v.name, message: v.message };
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}
