/**
 * Client process: POSTs a delivery's bytes straight to the receiver, one request at a time, with the worker's
 * own HTTP client (`postJson` of src/webhooks/http-post.ts: the same keep-alive agent and settings). The
 * latency of this hop is the baseline the queued deliveries are compared with. Started by the bench.
 */
import { postJson } from '../../../src/webhooks/http-post.js';
import type { DirectArgs, DirectResult } from './direct-post-api.js';
import { serve } from './rpc.js';

const now = () => performance.timeOrigin + performance.now();

/** Connection and framing headers that postJson sets itself (it would drop them anyway), and Host. */
const DROPPED = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding']);

async function direct(args: DirectArgs): Promise<DirectResult> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(args.headers))
    if (!DROPPED.has(name.toLowerCase())) headers[name] = value;
  const webhookIds: string[] = [];
  const sentAt: number[] = [];
  const roundTripMs: number[] = [];
  const errorSamples = new Set<string>();
  let errors = 0;
  const started = performance.now();
  for (let n = 0; n < args.count; n++) {
    if (performance.now() - started > args.timeoutMs) {
      errors += args.count - n;
      break;
    }
    const wait = started + n * args.intervalMs - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const webhookId = `${args.idPrefix}${n}`;
    const at = now();
    try {
      const res = await postJson(
        args.url,
        args.body,
        { ...headers, 'webhook-id': webhookId },
        // as the worker calls it: WEBHOOK_TIMEOUT_MS default, WEBHOOK_ALLOW_PRIVATE=true, 2 KiB response kept
        { timeoutMs: 10_000, allowPrivate: true, maxResponseBytes: 2048 },
      );
      if (res.status < 200 || res.status > 299) throw new Error(`HTTP ${res.status}`);
      webhookIds.push(webhookId);
      sentAt.push(at);
      roundTripMs.push(res.durationMs);
    } catch (err) {
      errors += 1;
      if (errorSamples.size < 5) errorSamples.add((err as Error).message);
    }
  }
  return { webhookIds, sentAt, roundTripMs, errors, errorSamples: [...errorSamples] };
}

serve({ direct });
