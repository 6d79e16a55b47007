/**
 * How sockml's Kafka clients reach a production broker: TLS (with the broker's CA), SASL (PLAIN,
 * SCRAM-SHA-256, SCRAM-SHA-512), and the command's logger for kafkajs's own logs. The flags read the
 * same-named SOCKML_KAFKA_* environment variables, so a Kubernetes Secret can hold the password.
 */
import { readFileSync } from 'node:fs';
import { Flags } from '@oclif/core';
import type { SASLOptions } from 'kafkajs';
import { InputError } from '../lib/base-command.js';
import type { Logger } from '../ops/logger.js';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

export interface KafkaSettings {
  /** true: TLS with the system's CAs; an object: TLS with these options (the broker's CA). */
  ssl?: boolean | { ca: string[] };
  sasl?: SASLOptions;
  /** kafkajs logs through it (level and format); without it, kafkajs's ERROR logs on the console. */
  logger?: Logger;
}

export const kafkaConnectionFlags = {
  'kafka-tls': Flags.boolean({ description: 'connect to Kafka over TLS (the system CAs, or --kafka-ca)', env: 'SOCKML_KAFKA_TLS', default: false }),
  'kafka-ca': Flags.string({ description: "PEM file with the CA certificate(s) that signed the brokers' certificates (implies --kafka-tls)", env: 'SOCKML_KAFKA_CA' }),
  'kafka-sasl-mechanism': Flags.string({ description: 'SASL authentication with the broker', options: [...SASL_MECHANISMS], env: 'SOCKML_KAFKA_SASL_MECHANISM' }),
  'kafka-sasl-username': Flags.string({ description: 'SASL user (with --kafka-sasl-mechanism)', env: 'SOCKML_KAFKA_SASL_USERNAME' }),
  'kafka-sasl-password': Flags.string({ description: 'SASL password; prefer the environment variable SOCKML_KAFKA_SASL_PASSWORD (a flag shows in ps)', env: 'SOCKML_KAFKA_SASL_PASSWORD' }),
};

export interface KafkaConnectionFlagValues {
  'kafka-tls': boolean;
  'kafka-ca'?: string;
  'kafka-sasl-mechanism'?: string;
  'kafka-sasl-username'?: string;
  'kafka-sasl-password'?: string;
}

/** Validates the connection flags together (bad input names the flag) and builds the client settings. */
export function kafkaSettingsFromFlags(flags: KafkaConnectionFlagValues, logger?: Logger): KafkaSettings {
  const settings: KafkaSettings = { logger };
  if (flags['kafka-ca'] !== undefined) settings.ssl = { ca: [readPem('--kafka-ca', flags['kafka-ca'])] };
  else if (flags['kafka-tls']) settings.ssl = true;

  const mechanism = flags['kafka-sasl-mechanism'];
  const username = flags['kafka-sasl-username'];
  const password = flags['kafka-sasl-password'];
  if (mechanism === undefined) {
    if (username !== undefined || password !== undefined) throw new InputError('--kafka-sasl-username and --kafka-sasl-password need --kafka-sasl-mechanism (plain, scram-sha-256 or scram-sha-512)');
    return settings;
  }
  if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) throw new InputError(`--kafka-sasl-mechanism must be one of ${SASL_MECHANISMS.join(', ')}, got '${mechanism}'`);
  if (!username) throw new InputError(`--kafka-sasl-mechanism ${mechanism} needs --kafka-sasl-username (or SOCKML_KAFKA_SASL_USERNAME)`);
  if (password === undefined) throw new InputError(`--kafka-sasl-mechanism ${mechanism} needs --kafka-sasl-password (or SOCKML_KAFKA_SASL_PASSWORD)`);
  settings.sasl = { mechanism, username, password } as SASLOptions;
  if (mechanism === 'plain' && !settings.ssl) logger?.warn('--kafka-sasl-mechanism plain without --kafka-tls sends the password in clear text');
  return settings;
}

/** A PEM file's text, or bad input naming the flag: missing, unreadable, or not PEM certificates. */
export function readPem(flag: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`${flag}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!/-----BEGIN CERTIFICATE-----/.test(text)) throw new InputError(`${flag}: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return text;
}
