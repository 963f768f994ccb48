import { spawn } from 'node:child_process';
import { track } from '../lib/processes.js';

/**
 * Redis' own ceiling for appends: `redis-benchmark` (shipped with Debian's redis-tools, beside redis-server)
 * running `XADD <key> * f v` against the bench's Redis, read from its `--csv` output.
 */
export interface XaddBenchmark {
  readonly clients: number;
  readonly pipeline: number;
  readonly requests: number;
  /** XADDs per second. */
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface XaddBenchmarkArgs {
  readonly port: number;
  readonly key: string;
  readonly clients: number;
  readonly pipeline: number;
  readonly requests: number;
  readonly timeoutMs: number;
}

/** Parses the `--csv` output: a header line, then one line per test, every field quoted. */
export function parseCsv(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const fields = (line: string) => line.split('","').map((f) => f.replace(/^"|"$/g, ''));
  const header = fields(lines[0] ?? '');
  return lines.slice(1).map((line) => Object.fromEntries(fields(line).map((v, i) => [header[i] ?? i, v])));
}

export function runXaddBenchmark(args: XaddBenchmarkArgs): Promise<XaddBenchmark> {
  const argv = ['-h', '127.0.0.1', '-p', String(args.port), '-c', String(args.clients), '-P'];
  argv.push(
    String(args.pipeline),
    '-n',
    String(args.requests),
    '-q',
    '--csv',
    'XADD',
    args.key,
    '*',
    'f',
    'v',
  );
  return new Promise((resolve, reject) => {
    const child = track(spawn('redis-benchmark', argv, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), args.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`redis-benchmark: ${e.message} (it comes with the redis-tools package)`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const row = parseCsv(out)[0];
      if (code !== 0 || !row) {
        reject(new Error(`redis-benchmark ${argv.join(' ')}: exit ${code ?? signal}\n${out}${err}`));
        return;
      }
      resolve({
        clients: args.clients,
        pipeline: args.pipeline,
        requests: args.requests,
        rate: Number(row.rps),
        p50Ms: Number(row.p50_latency_ms),
        p99Ms: Number(row.p99_latency_ms),
      });
    });
  });
}
