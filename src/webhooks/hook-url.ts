import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type ErrorDetail, RelayError } from '../errors/catalogue.js';
import { type AddressRefusal, addressRefusal, describeRefusal } from './address-policy.js';

/**
 * The registration-time check of a hook's URL (DESIGN.md, Webhooks: SSRF). Delivery checks the address again,
 * at connect time, in http-post.ts, because DNS can change between the two.
 *
 * Rules, where the contract is silent:
 * - only `http:` and `https:`;
 * - no user name or password in the URL: they would be stored and shown with the hook and end up in logs;
 *   a receiver that needs credentials gets them from the hook's own headers (e.g. `Authorization`);
 * - the host is taken as the WHATWG URL parser normalizes it, so `2130706433`, `0x7f.1`, `0177.0.0.1` and
 *   `[::ffff:127.0.0.1]` are the IP addresses they denote and are judged as such;
 * - a host name is resolved (every A and AAAA record) and refused if ANY address is refused: the connection
 *   may go to any of them;
 * - a host name that does not resolve, or resolves to nothing, is refused: it cannot be checked;
 * - with `allowPrivate` (WEBHOOK_ALLOW_PRIVATE=true, development and tests) only the URL's form is checked and
 *   nothing is resolved.
 */

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Every address a host name resolves to, like `dns.promises.lookup(host, {all: true})`. Injected in tests. */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export type HookUrlRefusal = 'invalid-url' | 'scheme' | 'credentials' | 'forbidden-address' | 'unresolvable';

export interface HookUrlOptions {
  readonly allowPrivate: boolean;
  readonly lookup?: HostLookup;
  /** The request body field the URL came from, for the 400's details: `callbackUrl` (Izanami), `url` (Tweek). */
  readonly path?: string;
}

/** A refused hook URL: a RELAY_ERR_VALIDATION (400) with a stable `reason` for logs and tests. */
export class HookUrlError extends RelayError {
  readonly reason: HookUrlRefusal;
  readonly refusal: AddressRefusal | undefined;

  constructor(
    reason: HookUrlRefusal,
    message: string,
    path: string,
    refusal?: AddressRefusal,
    options?: ErrorOptions,
  ) {
    const details: ErrorDetail[] = [{ path, message }];
    super('RELAY_ERR_VALIDATION', message, details, options);
    this.name = 'HookUrlError';
    this.reason = reason;
    this.refusal = refusal;
  }
}

export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/** The URL, parsed and normalized, if a hook may be registered with it; else throws a HookUrlError. */
export async function validateHookUrl(url: string, options: HookUrlOptions): Promise<URL> {
  const path = options.path ?? 'url';
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined) throw new HookUrlError('invalid-url', 'must be an absolute URL', path);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new HookUrlError('scheme', 'must be an http or https URL', path);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new HookUrlError(
      'credentials',
      'must not contain a user name or password; send credentials in the hook headers',
      path,
    );
  }
  if (options.allowPrivate) return parsed;

  const host = hostOf(parsed);
  const addresses = isIP(host) === 0 ? await resolve(host, options.lookup ?? systemLookup, path) : [host];
  for (const address of addresses) {
    const refusal = addressRefusal(address);
    if (refusal !== undefined) {
      const via = address === host ? '' : `${host} resolves to `;
      throw new HookUrlError(
        'forbidden-address',
        `must not point at a private or reserved address: ${via}${describeRefusal(refusal)}`,
        path,
        refusal,
      );
    }
  }
  return parsed;
}

/** The URL's host as an IP address or name, without the brackets of an IPv6 literal. */
export function hostOf(url: URL): string {
  const { hostname } = url;
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

async function resolve(host: string, lookup: HostLookup, path: string): Promise<string[]> {
  let records: readonly ResolvedAddress[];
  try {
    records = await lookup(host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'lookup failed';
    throw new HookUrlError('unresolvable', `host ${host} does not resolve (${code})`, path, undefined, {
      cause: err,
    });
  }
  if (records.length === 0) throw new HookUrlError('unresolvable', `host ${host} does not resolve`, path);
  return records.map((r) => r.address);
}
