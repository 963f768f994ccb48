import { createHash } from 'node:crypto';
import Router, { type RouterContext } from '@koa/router';
import { authInfoOf } from '../../auth/api-key.js';
import { RelayError } from '../../errors/catalogue.js';
import type { NewEvent } from '../../events/event.js';
import { parsePublicId } from '../../events/event-id.js';
import { eventArgs, type IdempotencyClaim } from '../../events/event-store.js';
import { buildFilter } from '../../events/filter.js';
import { compilePatterns } from '../../events/glob.js';
import { validatePublish } from '../../events/validate-publish.js';
import { listen } from '../../sse/listen.js';
import type { AppDeps } from '../app-deps.js';
import { authenticate } from '../middleware/authenticate.js';
import { jsonBody } from '../middleware/json-body.js';
import type { RelayState } from '../state.js';
import { queryList } from '../validate.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** Domains that describe access control: only admin keys publish them. */
const ADMIN_DOMAINS = new Set(['ApiKey', 'Webhook']);

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

function authorize(events: readonly NewEvent[], principal: NonNullable<RelayState['principal']>): void {
  if (principal.admin) return;
  const allowed = compilePatterns(principal.authorizedPattern);
  const outside = events.filter((e) => !allowed.test(e.key) || ADMIN_DOMAINS.has(e.domain));
  if (outside.length > 0) {
    throw new RelayError(
      'RELAY_ERR_FORBIDDEN',
      `This key may not publish ${outside.map((e) => `${e.type} ${JSON.stringify(e.key)}`).join(', ')}`,
    );
  }
}

/** One counter increment per domain of the commit, not per event. */
function countAppended(metrics: AppDeps['metrics'], events: readonly { domain: string }[]): void {
  let domain = events[0]?.domain;
  let n = 0;
  for (const e of events) {
    if (e.domain !== domain) {
      metrics.eventsAppended.inc({ domain, source: 'api' }, n);
      domain = e.domain;
      n = 0;
    }
    n += 1;
  }
  if (n > 0) metrics.eventsAppended.inc({ domain, source: 'api' }, n);
}

function parseLastEventId(header: string | undefined, query: string | undefined): number | undefined {
  const text = header || query;
  if (text === undefined || text === '') return undefined;
  const id = parsePublicId(text.trim());
  if (id === undefined) {
    throw new RelayError(
      'RELAY_ERR_BAD_LAST_EVENT_ID',
      `Not an event id (decimal digits only): ${text.slice(0, 64)}`,
    );
  }
  return id;
}

/** `POST /api/events` (publish) and the two SSE routes. */
export function eventRoutes(deps: AppDeps): Router<RelayState> {
  const router = new Router<RelayState>();
  const withKey = authenticate(deps.authenticator);
  const withKeyOrToken = authenticate(deps.authenticator, { listening: true });

  router.post('/api/events', withKey, jsonBody(), async (ctx) => {
    const principal = ctx.state.principal!;
    const events = validatePublish(ctx.state.body, authInfoOf(principal));
    authorize(events, principal);
    const key = ctx.get('idempotency-key');
    let claim: IdempotencyClaim | undefined;
    if (key) {
      if (!IDEMPOTENCY_KEY.test(key)) {
        throw new RelayError(
          'RELAY_ERR_VALIDATION',
          'Idempotency-Key must be 1-255 visible ASCII characters',
        );
      }
      const fingerprint = sha256(JSON.stringify(eventArgs(events)));
      claim = {
        scope: principal.clientId,
        digest: sha256(key),
        fingerprint,
        ttlMs: deps.config.idempotencyTtlMs,
      };
    }
    const result = await deps.store.append(events, claim);
    if (result.status === 'key-reused') throw new RelayError('RELAY_ERR_IDEMPOTENCY_KEY_REUSED');
    if (result.status === 'duplicate') {
      ctx.set('Idempotent-Replayed', 'true');
      deps.metrics.publishDuplicates.inc();
    } else {
      countAppended(deps.metrics, result.events);
    }
    ctx.status = 201;
    ctx.type = 'application/json';
    ctx.body = `{"events":[${result.events.map((e) => e.json).join(',')}]}`;
  });

  const listenRoute = async (ctx: RouterContext<RelayState>) => {
    const principal = ctx.state.principal!;
    const filter = buildFilter({
      domains: queryList(ctx.query.domains),
      pathDomain: ctx.params.domain,
      types: queryList(ctx.query.types),
      patterns: queryList(ctx.query.patterns) ?? queryList(ctx.query.pattern),
      authorizedPattern: principal.authorizedPattern,
    });
    const lastEventId = parseLastEventId(
      ctx.get('last-event-id') || undefined,
      queryList(ctx.query.lastEventId),
    );
    ctx.status = 200;
    ctx.respond = false;
    await listen(ctx.res, filter, lastEventId, {
      hub: deps.hub,
      store: deps.store,
      replayRedis: deps.replayRedis,
      maxBufferedBytes: deps.config.sse.maxBufferedBytes,
      logger: ctx.state.logger,
      onOpen: () => deps.metrics.sseClients.inc(),
      onReplayed: (n) => deps.metrics.sseReplayedEvents.inc(n),
      onReset: () => deps.metrics.sseResets.inc(),
      onClose: (reason) => {
        deps.metrics.sseClients.dec();
        deps.metrics.sseDisconnects.inc({ reason });
      },
    });
  };
  router.get('/api/events', withKeyOrToken, listenRoute);
  router.get('/api/events/:domain', withKeyOrToken, listenRoute);
  return router;
}
