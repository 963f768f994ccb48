import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from '../clients/sse-target.js';

/** Listens on a free loopback port; resolves with the port. */
export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve((server.address() as AddressInfo).port));
  });
}
