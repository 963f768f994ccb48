/**
 * Where a request's credentials come from: Izanami's headers, HTTP Basic with the same pair, or (SSE only) a
 * token in the query. A secret in the URL is refused outright.
 */
export type Credentials =
  | { readonly kind: 'secret'; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'secret-in-url' }
  | { readonly kind: 'none' };

export interface CredentialSource {
  header(name: string): string | undefined;
  query(name: string): string | undefined;
}

const SECRET_QUERY_NAMES = ['clientSecret', 'client_secret', 'Izanami-Client-Secret', 'secret'];

export function readCredentials(source: CredentialSource): Credentials {
  if (SECRET_QUERY_NAMES.some((n) => source.query(n) !== undefined)) return { kind: 'secret-in-url' };
  const clientId = source.header('izanami-client-id');
  const clientSecret = source.header('izanami-client-secret');
  if (clientId !== undefined || clientSecret !== undefined) {
    return { kind: 'secret', clientId: clientId ?? '', clientSecret: clientSecret ?? '' };
  }
  const authorization = source.header('authorization');
  if (authorization !== undefined) {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (!m) return { kind: 'secret', clientId: '', clientSecret: '' };
    const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { kind: 'secret', clientId: decoded, clientSecret: '' };
    return { kind: 'secret', clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
  }
  const token = source.query('token');
  if (token !== undefined) return { kind: 'token', token };
  return { kind: 'none' };
}
