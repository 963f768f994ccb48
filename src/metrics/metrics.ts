import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The relay's Prometheus metrics, on a registry of its own (one per app, so tests can build many). */
export interface RelayMetrics {
  readonly registry: Registry;
  readonly eventsAppended: Counter<'domain' | 'source'>;
  readonly publishDuplicates: Counter;
  readonly sseClients: Gauge;
  readonly sseDisconnects: Counter<'reason'>;
  readonly sseReplayedEvents: Counter;
  readonly sseResets: Counter;
  readonly ingestMessages: Counter<'outcome'>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly errors: Counter<'code'>;
  readonly deliveriesEnqueued: Counter<'api'>;
  readonly deliveryAttempts: Counter<'outcome'>;
  readonly deliveryDuration: Histogram<'outcome'>;
  readonly deliveryLatency: Histogram;
  readonly hooksDisabled: Counter;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): RelayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'relay_' });
  const registers = [registry];
  return {
    registry,
    eventsAppended: new Counter({
      name: 'relay_events_appended_total',
      help: 'Events appended to the stream by this process',
      labelNames: ['domain', 'source'],
      registers,
    }),
    publishDuplicates: new Counter({
      name: 'relay_publish_idempotent_replays_total',
      help: 'Publishes answered from a recorded Idempotency-Key, appending nothing',
      registers,
    }),
    sseClients: new Gauge({ name: 'relay_sse_clients', help: 'Connected SSE listeners', registers }),
    sseDisconnects: new Counter({
      name: 'relay_sse_disconnects_total',
      help: 'SSE listeners gone, by reason (client, slow, shutdown, error)',
      labelNames: ['reason'],
      registers,
    }),
    sseReplayedEvents: new Counter({
      name: 'relay_sse_replayed_events_total',
      help: 'Events written by Last-Event-Id replays',
      registers,
    }),
    sseResets: new Counter({
      name: 'relay_sse_resets_total',
      help: 'Replays that asked for trimmed history (event: reset sent)',
      registers,
    }),
    ingestMessages: new Counter({
      name: 'relay_ingest_messages_total',
      help: 'Pub/sub messages received, by outcome (appended, duplicate, invalid, failed)',
      labelNames: ['outcome'],
      registers,
    }),
    httpRequests: new Counter({
      name: 'relay_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    httpDuration: new Histogram({
      name: 'relay_http_request_duration_seconds',
      help: 'HTTP request latency (SSE: time to headers)',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    errors: new Counter({
      name: 'relay_errors_total',
      help: 'Error responses by code',
      labelNames: ['code'],
      registers,
    }),
    deliveriesEnqueued: new Counter({
      name: 'relay_webhook_deliveries_enqueued_total',
      help: 'Deliveries (one per hook and commit) the dispatcher enqueued, by hook API',
      labelNames: ['api'],
      registers,
    }),
    deliveryAttempts: new Counter({
      name: 'relay_webhook_attempts_total',
      help: 'Delivery attempts by outcome (success, retry, disable, fail, ping)',
      labelNames: ['outcome'],
      registers,
    }),
    deliveryDuration: new Histogram({
      name: 'relay_webhook_attempt_duration_seconds',
      help: 'Duration of one delivery attempt (the POST), by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    deliveryLatency: new Histogram({
      name: 'relay_webhook_delivery_latency_seconds',
      help: 'From the first event of a commit being appended to its successful delivery',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    hooksDisabled: new Counter({
      name: 'relay_webhooks_disabled_total',
      help: 'Hooks the relay disabled (consecutive failures, or 410 Gone)',
      registers,
    }),
  };
}
