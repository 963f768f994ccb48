/** The BullMQ queue of webhook deliveries, and what one of its jobs holds. */
export const DELIVERY_QUEUE = 'deliveries';

export interface DeliveryJobData {
  readonly hookId: string;
  /** Stream id of the first entry of the commit delivered; '' for a ping. */
  readonly commit: string;
  /** The matching events of the commit, each as its JSON. */
  readonly events: readonly string[];
  readonly ping?: boolean;
}

/**
 * The job id of the delivery of one commit to one hook: the same whoever enqueues it and however often, so a
 * re-read stream entry cannot enqueue twice; it is also the `webhook-id` receivers de-duplicate on. BullMQ ids
 * may not hold `:` nor be integers, hence the base64url hook id and the `d` prefix.
 */
export function deliveryJobId(hookId: string, commit: string): string {
  return `d_${Buffer.from(hookId).toString('base64url')}_${commit}`;
}
