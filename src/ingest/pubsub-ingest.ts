import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EventStore } from '../events/event-store.js';
import type { Logger } from '../logging/logger.js';
import type { RelayMetrics } from '../metrics/metrics.js';
import { parseIngestMessage } from './izanami-message.js';

export interface PubSubIngestOptions {
  readonly subscriber: Redis;
  readonly channel: string;
  readonly store: EventStore;
  readonly dedupTtlMs: number;
  readonly logger: Logger;
  readonly metrics: RelayMetrics;
}

const ATTEMPTS = 5;

/**
 * Appends the messages published on Izanami's channel, in the order received, each once however many relay
 * processes subscribe (the append script records the message's id). Invalid messages are logged and counted.
 */
export class PubSubIngest {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly options: PubSubIngestOptions) {}

  async start(): Promise<void> {
    const { subscriber, channel } = this.options;
    subscriber.on('message', (ch: string, message: string) => {
      if (ch !== channel) return;
      this.chain = this.chain.then(() => this.ingest(message));
    });
    await subscriber.subscribe(channel);
  }

  private async ingest(message: string): Promise<void> {
    const { store, logger, metrics, dedupTtlMs } = this.options;
    let parsed: ReturnType<typeof parseIngestMessage>;
    try {
      parsed = parseIngestMessage(message);
    } catch (err) {
      metrics.ingestMessages.inc({ outcome: 'invalid' });
      logger.warn('ingest: invalid message dropped', {
        error: (err as Error).message,
        bytes: message.length,
      });
      return;
    }
    const digest = createHash('sha256').update(parsed.dedupId).digest('base64url');
    const claim = { scope: 'ingest', digest, fingerprint: digest, ttlMs: dedupTtlMs };
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await store.append([parsed.event], claim);
        const outcome = result.status === 'appended' ? 'appended' : 'duplicate';
        metrics.ingestMessages.inc({ outcome });
        if (outcome === 'appended')
          metrics.eventsAppended.inc({ domain: parsed.event.domain, source: 'ingest' });
        return;
      } catch (err) {
        if (attempt >= ATTEMPTS) {
          metrics.ingestMessages.inc({ outcome: 'failed' });
          logger.error('ingest: append failed, message lost', {
            error: (err as Error).message,
            id: parsed.dedupId,
          });
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  /** Waits for the messages already received to be appended. */
  async drain(): Promise<void> {
    await this.chain;
  }
}
