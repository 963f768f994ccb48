import type { Domain } from './catalogue.js';

export interface AuthInfo {
  readonly clientId: string;
  readonly name: string;
}

export interface Author {
  readonly name: string;
  readonly email: string;
}

/** An event as validated, before the append script gives it an id. */
export interface NewEvent {
  readonly type: string;
  readonly key: string;
  readonly domain: Domain;
  readonly payload: unknown;
  /** Present only where the producer gave one. */
  readonly oldValue?: unknown;
  readonly authInfo: AuthInfo | null;
  readonly author?: Author;
}

/**
 * One stream entry as the relay reads it back: the fields readers filter on, kept beside the JSON so that a
 * filter never parses JSON, and the event's JSON, serialized once.
 */
export interface StoredEvent {
  readonly streamId: string;
  readonly id: number;
  readonly type: string;
  readonly domain: Domain;
  readonly key: string;
  /** The whole event as one line of JSON, `_id` first and `timestamp` last. */
  readonly json: string;
  /** The stream id of the first entry of the event's commit (its own id for a single event). */
  readonly commit: string;
  /** How many entries of the same commit follow this one (0 for the last). */
  readonly remaining: number;
}
