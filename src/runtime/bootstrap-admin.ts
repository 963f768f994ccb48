import type { ApiKeyStore } from '../auth/api-key-store.js';
import { generateSecret, verifySecret } from '../auth/secret-hash.js';
import type { AdminKeyConfig } from '../config/config.js';
import { isRelayError } from '../errors/catalogue.js';
import type { Logger } from '../logging/logger.js';

export const BOOTSTRAP_CLIENT_ID = 'admin';

/**
 * The bootstrap admin key. Configured (RELAY_ADMIN_CLIENT_ID/SECRET): created, or brought back to admin rights
 * and the configured secret, at every start. Not configured (development): made once with a random secret
 * that is printed once, to the terminal, never to the log.
 */
export async function ensureAdminKey(
  apiKeys: ApiKeyStore,
  admin: AdminKeyConfig | undefined,
  logger: Logger,
  print: (text: string) => void,
): Promise<void> {
  if (admin) {
    const current = await apiKeys.get(admin.clientId);
    if (!current) {
      await createIgnoringRace(apiKeys, {
        ...admin,
        name: 'bootstrap admin',
        authorizedPattern: '*',
        admin: true,
      });
      logger.info('bootstrap admin key created', { clientId: admin.clientId });
    } else if (
      !current.admin ||
      current.authorizedPattern !== '*' ||
      !(await verifySecret(admin.clientSecret, current.secretHash))
    ) {
      await apiKeys.update(
        admin.clientId,
        { admin: true, authorizedPattern: '*', clientSecret: admin.clientSecret },
        null,
      );
      logger.info('bootstrap admin key reset to its configured secret and rights', {
        clientId: admin.clientId,
      });
    }
    return;
  }
  if ((await apiKeys.list()).some((k) => k.bootstrap)) {
    logger.info('bootstrap admin key exists (its secret was printed at first start)', {
      clientId: BOOTSTRAP_CLIENT_ID,
    });
    return;
  }
  const clientSecret = generateSecret();
  const created = await createIgnoringRace(apiKeys, {
    clientId: BOOTSTRAP_CLIENT_ID,
    clientSecret,
    name: 'bootstrap admin',
    authorizedPattern: '*',
    admin: true,
    bootstrap: true,
  });
  if (!created) return;
  print(
    [
      '',
      'Bootstrap admin key (shown this once; set RELAY_ADMIN_CLIENT_ID/RELAY_ADMIN_CLIENT_SECRET to choose your own):',
      `  Izanami-Client-Id:     ${BOOTSTRAP_CLIENT_ID}`,
      `  Izanami-Client-Secret: ${clientSecret}`,
      '',
    ].join('\n'),
  );
}

async function createIgnoringRace(
  apiKeys: ApiKeyStore,
  key: Parameters<ApiKeyStore['create']>[0],
): Promise<boolean> {
  try {
    await apiKeys.create(key, null);
    return true;
  } catch (err) {
    // Another relay process starting on the same Redis made it first.
    if (isRelayError(err) && err.code === 'RELAY_ERR_CONFLICT') return false;
    throw err;
  }
}
