import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** Socket inodes a process holds open (Linux /proc). */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch (err) {
      // the fd was closed between listing and reading it: not a socket we can use
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1] as string);
  }
  return inodes;
}

/** Local TCP ports (IPv4 and IPv6) of the sockets a process holds. */
export function localTcpPorts(pid: number): Set<number> {
  const inodes = socketInodes(pid);
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const inode = cols[9];
      if (!local || !inode || !inodes.has(inode)) continue;
      ports.add(Number.parseInt(local.split(':').pop() as string, 16));
    }
  }
  return ports;
}

/**
 * Cuts, from the Redis side (CLIENT KILL), the connections named `name` (ioredis `connectionName`) that belong
 * to process `pid`, as a network fault or a proxy restart would. Returns how many were cut.
 */
export async function killClientConnections(admin: Redis, pid: number, name: string): Promise<number> {
  const ports = localTcpPorts(pid);
  const list = (await admin.client('LIST')) as string;
  let killed = 0;
  for (const line of list.split('\n')) {
    const fields = Object.fromEntries(
      line
        .trim()
        .split(' ')
        .map((kv) => {
          const at = kv.indexOf('=');
          return [kv.slice(0, at), kv.slice(at + 1)];
        }),
    ) as Record<string, string>;
    if (fields.name !== name || !fields.addr || !fields.id) continue;
    const port = Number(fields.addr.split(':').pop());
    if (!ports.has(port)) continue;
    killed += Number(await admin.client('KILL', 'ID', fields.id));
  }
  return killed;
}
