import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction, Socket, type TcpNetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { type AddressRefusal, addressRefusal, describeRefusal } from './address-policy.js';
import { DeliveryNetworkError } from './delivery-network-error.js';
import type { HostLookup } from './hook-url.js';

/**
 * The HTTP agents deliveries connect through, checked against SSRF at connect time: an IP literal is judged in
 * `createConnection`, a host name by the `lookup` handed to the socket, so the address judged is the one
 * connected to. request-filtering-agent then applies its own check.
 */

/** Closes the pooled keep-alive connections (shutdown, end of tests). Agents are re-created on next use. */
export function destroyDeliveryAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

// --- agents: keep-alive pools, one per protocol and allowPrivate setting, so a connection opened while private
// addresses were allowed is never reused for a delivery where they are not.

type GuardedAgent = RequestFilteringHttpAgent | RequestFilteringHttpsAgent;
type ConnectionListener = (error: Error | null, socket: Duplex) => void;

const agents = new Map<string, GuardedAgent>();

export function agentFor(protocol: string, allowPrivate: boolean): GuardedAgent {
  const key = `${protocol}${allowPrivate}`;
  let agent = agents.get(key);
  if (agent === undefined) {
    const settings = {
      keepAlive: true,
      keepAliveMsecs: 1000,
      maxFreeSockets: 256,
      scheduling: 'lifo' as const,
      // idle pooled sockets close before a receiver's usual 5 s keep-alive timeout, so a request rarely lands
      // on a connection the receiver is closing
      timeout: 4000,
      allowPrivateIPAddress: allowPrivate,
      allowMetaIPAddress: allowPrivate,
    };
    agent =
      protocol === 'https:'
        ? new GuardedHttpsAgent(allowPrivate, settings)
        : new GuardedHttpAgent(allowPrivate, settings);
    agents.set(key, agent);
  }
  return agent;
}

class GuardedHttpAgent extends RequestFilteringHttpAgent {
  constructor(
    private readonly allowPrivate: boolean,
    settings: ConstructorParameters<typeof RequestFilteringHttpAgent>[0],
  ) {
    super(settings);
  }

  override createConnection(options: TcpNetConnectOpts, listener?: ConnectionListener): Duplex | Socket {
    const guarded = guardConnection(options, this.allowPrivate);
    if (guarded instanceof Error) return refusedSocket(guarded, listener);
    return super.createConnection(guarded, listener);
  }
}

class GuardedHttpsAgent extends RequestFilteringHttpsAgent {
  constructor(
    private readonly allowPrivate: boolean,
    settings: ConstructorParameters<typeof RequestFilteringHttpsAgent>[0],
  ) {
    super(settings);
  }

  override createConnection(options: TcpNetConnectOpts, listener?: ConnectionListener): Duplex | Socket {
    const guarded = guardConnection(options, this.allowPrivate);
    if (guarded instanceof Error) return refusedSocket(guarded, listener);
    return super.createConnection(guarded, listener);
  }
}

/**
 * An IP literal is judged here, since the socket will not look it up; a host name gets a lookup that judges every
 * address it returns before the socket may connect to any. request-filtering-agent then applies its own check.
 */
function guardConnection(options: TcpNetConnectOpts, allowPrivate: boolean): TcpNetConnectOpts | Error {
  if (allowPrivate) return options;
  const host = options.host ?? 'localhost';
  if (isIP(host) !== 0) {
    const refusal = addressRefusal(host);
    return refusal === undefined ? options : refused(refusal, host);
  }
  return { ...options, lookup: guardLookup(options.lookup ?? dnsLookup) };
}

/** `base`, answering an error instead of the addresses when any of them is refused. */
export function guardLookup(base: LookupFunction): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    base(hostname, lookupOptions, (err, address, family) => {
      if (err) return callback(err, address, family);
      const list = typeof address === 'string' ? [{ address, family: family ?? 0 }] : address;
      for (const entry of list) {
        const refusal = addressRefusal(entry.address);
        if (refusal !== undefined) return callback(refused(refusal, hostname), '');
      }
      callback(null, address, family);
    });
  };
}

function refused(refusal: AddressRefusal, host: string): DeliveryNetworkError {
  const via = refusal.address === host ? '' : `${host} resolves to `;
  return new DeliveryNetworkError(
    'forbidden-address',
    `refused to connect: ${via}${describeRefusal(refusal)}`,
    {
      refusal,
    },
  );
}

function refusedSocket(error: Error, listener?: ConnectionListener): Socket {
  const socket = new Socket();
  if (listener) listener(error, socket);
  else socket.destroy(error);
  return socket;
}

export function toLookupFunction(lookup: HostLookup): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    lookup(hostname).then(
      (records) => {
        const requested = lookupOptions.family;
        const family = requested === 'IPv4' ? 4 : requested === 'IPv6' ? 6 : requested;
        const wanted: LookupAddress[] = records.filter((r) => !family || r.family === family);
        const first = wanted[0];
        if (first === undefined) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          err.code = 'ENOTFOUND';
          return callback(err, '');
        }
        if (lookupOptions.all) return callback(null, wanted);
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
