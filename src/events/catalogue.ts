/**
 * The event catalogue of Izanami v1 (shared/seeds/izanami-events.txt): every known type and the domain it
 * belongs to. The domain of an event always follows from its type.
 */
export const DOMAINS = ['Experiment', 'ApiKey', 'Config', 'Feature', 'User', 'Script', 'Webhook'] as const;
export type Domain = (typeof DOMAINS)[number];

const TYPES_BY_DOMAIN: Record<Domain, readonly string[]> = {
  Config: ['CONFIG_CREATED', 'CONFIG_UPDATED', 'CONFIG_DELETED', 'CONFIGS_DELETED'],
  Feature: ['FEATURE_CREATED', 'FEATURE_UPDATED', 'FEATURE_DELETED', 'FEATURES_DELETED'],
  Script: ['GLOBALSCRIPT_CREATED', 'GLOBALSCRIPT_UPDATED', 'GLOBALSCRIPT_DELETED', 'GLOBALSCRIPTS_DELETED'],
  User: ['USER_CREATED', 'USER_UPDATED', 'USER_DELETED', 'USERS_DELETED'],
  Webhook: ['WEBHOOK_CREATED', 'WEBHOOK_UPDATED', 'WEBHOOK_DELETED', 'WEBHOOKS_DELETED'],
  ApiKey: ['APIKEY_CREATED', 'APIKEY_UPDATED', 'APIKEY_DELETED', 'APIKEYS_DELETED'],
  Experiment: [
    'EXPERIMENT_CREATED',
    'EXPERIMENT_UPDATED',
    'EXPERIMENT_DELETED',
    'EXPERIMENTS_DELETED',
    'VARIANT_BINDING_CREATED',
    'EXPERIMENT_VARIANT_EVENT_CREATED',
    'EXPERIMENT_VARIANT_EVENT_DELETED',
  ],
};

const DOMAIN_OF_TYPE: ReadonlyMap<string, Domain> = new Map(
  DOMAINS.flatMap((domain) => TYPES_BY_DOMAIN[domain].map((type) => [type, domain] as const)),
);

const DOMAIN_BY_LOWER: ReadonlyMap<string, Domain> = new Map(DOMAINS.map((d) => [d.toLowerCase(), d]));

export const EVENT_TYPES: readonly string[] = [...DOMAIN_OF_TYPE.keys()];

/** The domain a type belongs to, or undefined for a type outside the catalogue. */
export function domainOfType(type: string): Domain | undefined {
  return DOMAIN_OF_TYPE.get(type);
}

/** A domain name as written by a client (case-insensitive) to its canonical form, or undefined. */
export function parseDomain(name: string): Domain | undefined {
  return DOMAIN_BY_LOWER.get(name.toLowerCase());
}

export function isEventType(type: string): boolean {
  return DOMAIN_OF_TYPE.has(type);
}
