import Router, { type RouterContext } from '@koa/router';
import jsonPatch from 'fast-json-patch';
import { authInfoOf } from '../../auth/api-key.js';
import { RelayError } from '../../errors/catalogue.js';
import type { Hook } from '../../webhooks/hook.js';
import { izanamiView } from '../../webhooks/hook.js';
import { newHookId, newHookVersion } from '../../webhooks/hook-store.js';
import { type IzanamiHookBody, validateIzanamiHook } from '../../webhooks/hook-validation.js';
import type { AppDeps } from '../app-deps.js';
import { adminOnly } from '../middleware/authenticate.js';
import { jsonBody } from '../middleware/json-body.js';
import { listPage } from '../pagination.js';
import type { RelayState } from '../state.js';

function toHook(body: IzanamiHookBody, id: string, base?: Hook): Hook {
  return {
    id,
    api: 'izanami',
    url: body.callbackUrl,
    domains: body.domains,
    types: body.types,
    patterns: body.patterns,
    keyPath: null,
    headers: body.headers,
    // absent: keep the current secret; null: remove it
    secret: body.secret === undefined ? (base?.secret ?? null) : body.secret,
    created: base?.created ?? new Date().toISOString(),
    isBanned: body.isBanned,
    disabledReason: body.isBanned ? (base?.disabledReason ?? null) : null,
    version: newHookVersion(),
  };
}

/** The writable part of an Izanami webhook, what JSON Patch operations apply to. */
function writableView(hook: Hook): Record<string, unknown> {
  return {
    clientId: hook.id,
    callbackUrl: hook.url,
    domains: hook.domains,
    patterns: hook.patterns,
    types: hook.types,
    headers: hook.headers,
    isBanned: hook.isBanned,
  };
}

function applyPatch(hook: Hook, patch: unknown): unknown {
  if (!Array.isArray(patch)) {
    throw new RelayError('RELAY_ERR_VALIDATION', 'A JSON Patch (RFC 6902) is an array of operations', [
      { path: '', message: 'must be an array of operations' },
    ]);
  }
  try {
    const error = jsonPatch.validate(patch as jsonPatch.Operation[], writableView(hook));
    if (error) {
      throw new RelayError('RELAY_ERR_VALIDATION', `Invalid JSON Patch: ${error.message.split('\n')[0]}`, [
        { path: String(error.index ?? ''), message: error.name },
      ]);
    }
    return jsonPatch.applyPatch(writableView(hook), patch as jsonPatch.Operation[], false, false).newDocument;
  } catch (err) {
    // fast-json-patch refuses a path through `__proto__` or `constructor/prototype` by throwing a TypeError
    // rather than returning a validation error (`[{"op":"add","path":"/__proto__/x","value":1}]` was a 500).
    if (err instanceof TypeError && err.message.startsWith('JSON-Patch:')) {
      throw new RelayError(
        'RELAY_ERR_VALIDATION',
        'Invalid JSON Patch: a path may not go through __proto__',
        [{ path: '', message: 'OPERATION_PATH_BANNED' }],
      );
    }
    throw err;
  }
}

/** Izanami's `/api/webhooks` (admin keys only). */
export function webhookRoutes(deps: AppDeps): Router<RelayState> {
  const router = new Router<RelayState>({ prefix: '/api/webhooks' });
  const admin = adminOnly(deps.authenticator);
  const { hooks } = deps;

  const izanamiHook = async (id: string): Promise<Hook> => {
    const hook = await hooks.get(id);
    if (hook?.api !== 'izanami') throw new RelayError('RELAY_ERR_NOT_FOUND', `No webhook ${id}`);
    return hook;
  };
  const checked = async (body: IzanamiHookBody) => {
    await deps.checkHookUrl(body.callbackUrl, 'callbackUrl');
    return body;
  };

  router.get('/', ...admin, async (ctx) => {
    const izanami = (await hooks.list()).filter(({ hook }) => hook.api === 'izanami');
    ctx.body = listPage(
      ctx.query,
      izanami,
      ({ hook }) => hook.id,
      ({ hook, state }) => izanamiView(hook, state),
    );
  });

  router.post('/', ...admin, jsonBody(), async (ctx) => {
    const body = await checked(validateIzanamiHook(ctx.state.body));
    const hook = toHook(body, body.clientId ?? newHookId());
    await hooks.create(hook, { authInfo: authInfoOf(ctx.state.principal!) });
    ctx.status = 201;
    ctx.body = izanamiView(hook);
  });

  router.get('/:id', ...admin, async (ctx) => {
    const hook = await izanamiHook(ctx.params.id as string);
    ctx.body = izanamiView(hook, await hooks.state(hook.id));
  });

  const replace = async (ctx: RouterContext<RelayState>, body: IzanamiHookBody) => {
    const id = ctx.params.id as string;
    if (body.clientId !== undefined && body.clientId !== id) {
      throw new RelayError('RELAY_ERR_VALIDATION', 'clientId in the body differs from the one in the path', [
        { path: 'clientId', message: 'must equal the clientId of the path' },
      ]);
    }
    await izanamiHook(id);
    const { hook } = await hooks.update(id, (current) => toHook(body, id, current), {
      authInfo: authInfoOf(ctx.state.principal!),
    });
    const written = hook as Hook;
    ctx.body = izanamiView(written, await hooks.state(id));
  };

  router.put('/:id', ...admin, jsonBody(), async (ctx) => {
    await replace(ctx, await checked(validateIzanamiHook(ctx.state.body)));
  });

  router.patch('/:id', ...admin, jsonBody(), async (ctx) => {
    const current = await izanamiHook(ctx.params.id as string);
    const patched = applyPatch(current, ctx.state.body);
    await replace(ctx, await checked(validateIzanamiHook(patched)));
  });

  router.delete('/:id', ...admin, async (ctx) => {
    await izanamiHook(ctx.params.id as string);
    await hooks.delete(ctx.params.id as string, { authInfo: authInfoOf(ctx.state.principal!) });
    ctx.status = 204;
  });
  return router;
}
