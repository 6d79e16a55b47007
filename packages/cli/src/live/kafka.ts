import kafkajs, { type Consumer, type Producer } from 'kafkajs';
import { deadLetterTopic } from '@sockml/core';

const { Kafka, logLevel } = kafkajs;

/** `host:port[,host:port…]` → broker list, validated once. */
export function parseBrokers(flag: string): string[] {
  const brokers = flag
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0 || brokers.some((b) => !/^[^:\s]+:\d+$/.test(b))) {
    throw new Error(`--kafka must be host:port[,host:port…], got '${flag}'`);
  }
  return brokers;
}

export function kafkaClient(brokers: string[], clientId: string) {
  // kafkajs retries with backoff; a restarted broker is reconnected to rather than treated as fatal.
  return new Kafka({ clientId, brokers, logLevel: logLevel.ERROR, retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 5000 } });
}

/**
 * Sends a malformed message to `<topic>.dlq` unchanged, with why and where in headers, so nothing is
 * lost and the bad input can be inspected or replayed.
 */
export async function sendToDeadLetter(producer: Producer, topic: string, message: { key: Buffer | null; value: Buffer | null }, reason: string) {
  await producer.send({
    topic: deadLetterTopic(topic),
    messages: [{ key: message.key, value: message.value, headers: { 'sockml-error': reason, 'sockml-source-topic': topic } }],
  });
}

/** Disconnects on SIGINT/SIGTERM and resolves when the process should exit. */
export function stopOnSignal(clients: (Consumer | Producer)[], onStop?: () => Promise<void> | void): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await onStop?.();
      await Promise.allSettled(clients.map((c) => c.disconnect()));
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
