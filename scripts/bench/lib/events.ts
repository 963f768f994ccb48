/** Synthetic events for the bench: feature updates with a small, realistic payload. */
export interface BenchEvent {
  readonly type: string;
  readonly key: string;
  readonly payload: unknown;
}

export function featureEvent(n: number): BenchEvent {
  const key = `bench:feature:${n % 1000}`;
  return {
    type: 'FEATURE_UPDATED',
    key,
    payload: { id: key, enabled: n % 2 === 0, activationStrategy: 'NO_STRATEGY', parameters: { n } },
  };
}

/** A config update: the domain the bench's webhook listens to (`Config`). */
export function configEvent(n: number): BenchEvent {
  const key = `bench:config:${n % 1000}`;
  return {
    type: 'CONFIG_UPDATED',
    key,
    payload: { id: key, value: JSON.stringify({ n, color: n % 2 === 0 ? 'blue' : 'green' }) },
  };
}
