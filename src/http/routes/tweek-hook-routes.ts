import Router, { type RouterContext } from '@koa/router';
import { authInfoOf } from '../../auth/api-key.js';
import { RelayError } from '../../errors/catalogue.js';
import type { Hook } from '../../webhooks/hook.js';
import { tweekView } from '../../webhooks/hook.js';
import { type HookWriteResult, newHookId, newHookVersion } from '../../webhooks/hook-store.js';
import { parseIfMatch, type TweekHookBody, validateTweekHook } from '../../webhooks/hook-validation.js';
import type { AppDeps } from '../app-deps.js';
import { adminOnly } from '../middleware/authenticate.js';
import { jsonBody } from '../middleware/json-body.js';
import type { RelayState } from '../state.js';

/**
 * A Tweek hook from its body. A PUT replaces the hook, and a replaced hook starts afresh: enabled, its failure
 * count reset (Tweek's API shows no disabled state, so replacing is how a Tweek client re-enables a hook).
 */
function toHook(body: TweekHookBody, id: string, base?: Hook): Hook {
  return {
    id,
    api: 'tweek',
    url: body.url,
    domains: [],
    types: [],
    patterns: [],
    keyPath: body.keyPath,
    headers: base?.headers ?? {},
    secret: base?.secret ?? null,
    created: base?.created ?? new Date().toISOString(),
    isBanned: false,
    disabledReason: null,
    version: newHookVersion(),
  };
}

const quoted = (etag: string) => `"${etag}"`;

/**
 * Tweek's `/api/v2/hooks` (admin keys only). Every GET answers an ETag over the whole list of Tweek hooks
 * (filtered or not); POST, PUT and DELETE take an optional If-Match, checked atomically with the write (412 and
 * nothing written on a mismatch), and answer the new ETag.
 */
export function tweekHookRoutes(deps: AppDeps): Router<RelayState> {
  const router = new Router<RelayState>({ prefix: '/api/v2/hooks' });
  const admin = adminOnly(deps.authenticator);
  const { hooks } = deps;
  const options = (ctx: RouterContext<RelayState>) => ({
    ifMatch: parseIfMatch(ctx.get('if-match') || undefined),
    authInfo: authInfoOf(ctx.state.principal!),
  });
  const tweekHook = async (id: string): Promise<Hook> => {
    const hook = await hooks.get(id);
    if (hook?.api !== 'tweek') throw new RelayError('RELAY_ERR_NOT_FOUND', `No hook ${id}`);
    return hook;
  };
  const answerWrite = (ctx: RouterContext<RelayState>, result: HookWriteResult, status: number) => {
    ctx.set('ETag', quoted(result.etag));
    ctx.status = status;
    if (status === 201 && result.hook) ctx.body = tweekView(result.hook);
  };

  router.get('/', ...admin, async (ctx) => {
    const { etag, hooks: list } = await hooks.tweekList();
    const filter = typeof ctx.query.keyPathFilter === 'string' ? ctx.query.keyPathFilter : undefined;
    ctx.set('ETag', quoted(etag));
    ctx.body = filter === undefined ? list : list.filter((h) => h.keyPath === filter);
  });

  router.post('/', ...admin, jsonBody(), async (ctx) => {
    const body = validateTweekHook(ctx.state.body);
    await deps.checkHookUrl(body.url, 'url');
    const result = await hooks.create(toHook(body, newHookId()), options(ctx));
    answerWrite(ctx, result, 201);
  });

  router.put('/:id', ...admin, jsonBody(), async (ctx) => {
    const id = ctx.params.id as string;
    const body = validateTweekHook(ctx.state.body);
    if (body.id !== undefined && body.id !== id) {
      throw new RelayError('RELAY_ERR_VALIDATION', 'id in the body differs from the one in the path', [
        { path: 'id', message: 'must equal the id of the path' },
      ]);
    }
    await deps.checkHookUrl(body.url, 'url');
    await tweekHook(id);
    answerWrite(ctx, await hooks.update(id, (current) => toHook(body, id, current), options(ctx)), 204);
  });

  router.delete('/:id', ...admin, async (ctx) => {
    const id = ctx.params.id as string;
    await tweekHook(id);
    answerWrite(ctx, await hooks.delete(id, options(ctx)), 204);
  });
  return router;
}
