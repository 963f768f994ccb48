import Router from '@koa/router';
import Joi from 'joi';
import { authInfoOf, publicView } from '../../auth/api-key.js';
import { generateSecret } from '../../auth/secret-hash.js';
import { RelayError } from '../../errors/catalogue.js';
import { splitPatterns } from '../../events/glob.js';
import type { AppDeps } from '../app-deps.js';
import { adminOnly } from '../middleware/authenticate.js';
import { jsonBody } from '../middleware/json-body.js';
import { listPage } from '../pagination.js';
import type { RelayState } from '../state.js';
import { validate } from '../validate.js';

const clientId = Joi.string()
  .pattern(/^[A-Za-z0-9_.:@-]{1,128}$/)
  .messages({ 'string.pattern.base': '{{#label}} must be 1-128 letters, digits or _.:@-' });
const fields = {
  name: Joi.string().trim().min(1).max(256).required(),
  authorizedPattern: Joi.string()
    .trim()
    .min(1)
    .max(1024)
    .custom((value: string, helpers) =>
      splitPatterns(value).length > 0 ? value : helpers.error('any.invalid'),
    )
    .messages({ 'any.invalid': '{{#label}} must name at least one glob' })
    .default('*'),
  admin: Joi.boolean().strict().default(false),
  clientSecret: Joi.string().min(16).max(256),
};
const createSchema = Joi.object({ clientId, ...fields });
const updateSchema = Joi.object({ clientId, ...fields });

interface KeyBody {
  clientId?: string;
  name: string;
  authorizedPattern: string;
  admin: boolean;
  clientSecret?: string;
}

/** `/api/apikeys`: admins manage keys; a secret is shown once, at creation, and stored hashed. */
export function apiKeyRoutes(deps: AppDeps): Router<RelayState> {
  const router = new Router<RelayState>({ prefix: '/api/apikeys' });
  const admin = adminOnly(deps.authenticator);

  router.get('/', ...admin, async (ctx) => {
    ctx.body = listPage(ctx.query, await deps.apiKeys.list(), (k) => k.clientId, publicView);
  });

  router.get('/:clientId', ...admin, async (ctx) => {
    const key = await deps.apiKeys.get(ctx.params.clientId as string);
    if (!key) throw new RelayError('RELAY_ERR_NOT_FOUND', `No API key ${ctx.params.clientId}`);
    ctx.body = publicView(key);
  });

  router.post('/', ...admin, jsonBody(), async (ctx) => {
    const body = validate<KeyBody>(createSchema, ctx.state.body, 'API key');
    const clientSecret = body.clientSecret ?? generateSecret();
    const { record } = await deps.apiKeys.create(
      { ...body, clientId: body.clientId ?? generateSecret().slice(0, 16), clientSecret },
      authInfoOf(ctx.state.principal!),
    );
    ctx.status = 201;
    ctx.body = { ...publicView(record), clientSecret };
  });

  router.put('/:clientId', ...admin, jsonBody(), async (ctx) => {
    const body = validate<KeyBody>(updateSchema, ctx.state.body, 'API key');
    if (body.clientId !== undefined && body.clientId !== (ctx.params.clientId as string)) {
      throw new RelayError('RELAY_ERR_VALIDATION', 'clientId in the body differs from the one in the path', [
        { path: 'clientId', message: 'must equal the clientId of the path' },
      ]);
    }
    const record = await deps.apiKeys.update(
      ctx.params.clientId as string,
      {
        name: body.name,
        authorizedPattern: body.authorizedPattern,
        admin: body.admin,
        ...(body.clientSecret !== undefined ? { clientSecret: body.clientSecret } : {}),
      },
      authInfoOf(ctx.state.principal!),
    );
    ctx.body = publicView(record);
  });

  router.delete('/:clientId', ...admin, async (ctx) => {
    await deps.apiKeys.delete(ctx.params.clientId as string, authInfoOf(ctx.state.principal!));
    ctx.status = 204;
  });
  return router;
}
