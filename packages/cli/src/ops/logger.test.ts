import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { Logger } from './logger.js';

const capture = (format: 'json' | 'text', level: 'debug' | 'info' | 'warn' | 'error' = 'info') => {
  const json: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const logger = new Logger({ command: 'scale', format, level, write: (l) => json.push(l), text: { out: (l) => out.push(l), err: (l) => err.push(l) }, now: () => new Date('2026-01-02T03:04:05.678Z') });
  return { logger, json, out, err };
};

describe('Logger', () => {
  it('json: one object per record with time, level, command, msg and the fields', () => {
    const { logger, json, out, err } = capture('json');
    logger.log('info', 'decision', { service: 'carts', decision: 'SCALE_UP' }, 'a block of text for people');
    logger.child({ component: 'x' }).warn('careful', { n: 1n, error: new Error('boom') });
    expect(out).toEqual([]);
    expect(err).toEqual([]);
    expect(json.map((l) => JSON.parse(l))).toEqual([
      { time: '2026-01-02T03:04:05.678Z', level: 'info', command: 'scale', msg: 'decision', service: 'carts', decision: 'SCALE_UP' },
      { time: '2026-01-02T03:04:05.678Z', level: 'warn', command: 'scale', msg: 'careful', component: 'x', n: '1', error: { name: 'Error', message: 'boom' } },
    ]);
    for (const l of json) expect(l).not.toContain('\n');
  });

  it('text: the text (or msg) on stdout for info, on stderr for warn and error; fields are not printed', () => {
    const { logger, json, out, err } = capture('text');
    logger.log('info', 'decision', { service: 'carts' }, 'carts @ t  DECISION: SCALE_UP');
    logger.info('plain line');
    logger.warn('dead-lettered x');
    logger.error('bad');
    expect(json).toEqual([]);
    expect(out).toEqual(['carts @ t  DECISION: SCALE_UP', 'plain line']);
    expect(err).toEqual(['Warning: dead-lettered x', 'Error: bad']);
  });

  it('drops records below its level', () => {
    const { logger, json } = capture('json', 'warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(json.map((l) => JSON.parse(l).level)).toEqual(['warn', 'error']);
  });

  it("routes kafkajs's logs: a kafkajs client's errors become the logger's records", async () => {
    const { logger, json } = capture('json');
    // A real kafkajs client against a port nothing listens on: it logs its connection errors.
    const kafka = new kafkajs.Kafka({ clientId: 't', brokers: ['127.0.0.1:1'], logLevel: logger.kafkaLogLevel(), logCreator: logger.kafkaLogCreator(), retry: { retries: 0 } });
    const admin = kafka.admin();
    await expect(admin.connect()).rejects.toThrow();
    const records = json.map((l) => JSON.parse(l));
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.component === 'kafkajs' && r.level === 'error' && r.command === 'scale' && typeof r.time === 'string')).toBe(true);
    expect(records.some((r) => /Connection error|ECONNREFUSED/.test(r.msg + JSON.stringify(r)))).toBe(true);
  });

  it('text mode prints kafkajs logs as one line naming kafkajs and its namespace', () => {
    const { logger, err } = capture('text');
    logger.kafkaLogCreator()(kafkajs.logLevel.ERROR)({ namespace: 'Connection', level: kafkajs.logLevel.ERROR, label: 'ERROR', log: { message: 'Connection error', timestamp: 'x', logger: 'kafkajs', broker: '127.0.0.1:1' } as any });
    expect(err).toEqual(['Error: kafkajs [Connection] Connection error (broker=127.0.0.1:1)']);
  });

  it('asks kafkajs for ERROR normally and INFO at debug level', () => {
    expect(capture('json').logger.kafkaLogLevel()).toBe(kafkajs.logLevel.ERROR);
    expect(capture('json', 'debug').logger.kafkaLogLevel()).toBe(kafkajs.logLevel.INFO);
  });
});
