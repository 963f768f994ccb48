import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly redisServer: string;
  readonly fdLimit: string;
}

export function describeMachine(): Machine {
  const cpu = cpus();
  const redis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  const limit = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  return {
    cpuModel: cpu[0]?.model ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    redisServer: /v=(\S+)/.exec(redis.stdout ?? '')?.[1] ?? 'unknown',
    fdLimit: (limit.stdout ?? '').trim(),
  };
}

/** 1, 5 and 15 minute load averages, rounded. */
export function loadAverage(): [number, number, number] {
  const [a, b, c] = loadavg().map((v) => Math.round(v * 100) / 100);
  return [a ?? 0, b ?? 0, c ?? 0];
}

/** The machine's CPU time so far (all cores, in clock ticks): in total, and stolen by the hypervisor. */
export interface CpuTimes {
  readonly total: number;
  readonly steal: number;
}

/** From the `cpu` line of /proc/stat (user nice system idle iowait irq softirq steal …). */
export function cpuTimes(): CpuTimes {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: ticks.reduce((a, b) => a + b, 0), steal: ticks[7] ?? 0 };
}

/** The share of the CPU time between two readings that the hypervisor gave to other guests (steal), in %. */
export function stealPercent(from: CpuTimes, to: CpuTimes): number {
  const total = to.total - from.total;
  return total > 0 ? Math.round(((to.steal - from.steal) / total) * 1000) / 10 : 0;
}

/** Waits until the 1-minute load average is below `max`, at most `timeoutMs`; returns whether it did. */
export async function waitForLoadBelow(
  max: number,
  timeoutMs: number,
  onWait: (load: number) => void,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [now] = loadAverage();
    if (now < max) return true;
    if (Date.now() > deadline) return false;
    onWait(now);
    await new Promise((resolve) => setTimeout(resolve, 15_000));
  }
}
