import type { AddressRefusal } from './address-policy.js';

export type DeliveryNetworkErrorKind = 'timeout' | 'network' | 'forbidden-address';

/** The attempt got no complete HTTP response: it timed out, the network failed, or the address was refused. */
export class DeliveryNetworkError extends Error {
  readonly kind: DeliveryNetworkErrorKind;
  /** The system error code (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`…) of a network error. */
  readonly code: string | undefined;
  readonly refusal: AddressRefusal | undefined;
  /** Set by postJson: time from the call to the failure. */
  durationMs: number | undefined;

  constructor(
    kind: DeliveryNetworkErrorKind,
    message: string,
    extra: { code?: string; refusal?: AddressRefusal; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'DeliveryNetworkError';
    this.kind = kind;
    this.code = extra.code;
    this.refusal = extra.refusal;
  }
}
