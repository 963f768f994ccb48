/**
 * Client process: one SSE connection with `Last-Event-Id`, read until the expected number of events has
 * arrived; reports time to first event, total time, order. Started by the bench, never by hand.
 */
import { request } from 'node:http';
import { SseParser } from '../lib/sse-parser.js';
import type { ReplayArgs, ReplayResult } from './replay-reader-api.js';
import { serve } from './rpc.js';
import { LOOPBACK } from './sse-target.js';

function replay(args: ReplayArgs): Promise<ReplayResult> {
  return new Promise((resolve, reject) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    let status = 0;
    let received = 0;
    let bytes = 0;
    let firstEventMs = Number.NaN;
    let firstId: number | undefined;
    let lastId: number | undefined;
    let disordered = 0;
    let resets = 0;
    let finished = false;
    const finish = (timedOut: boolean) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const totalMs = performance.now() - started;
      req.destroy();
      const used = process.cpuUsage(cpu);
      resolve({
        status,
        received,
        firstEventMs,
        totalMs,
        bytes,
        firstId,
        lastId,
        disordered,
        resets,
        timedOut,
        clientCpuMs: (used.user + used.system) / 1000,
      });
    };
    const parser = new SseParser((frame) => {
      if (frame.event === 'reset') {
        resets += 1;
        return;
      }
      if (frame.id === undefined || finished) return;
      const id = Number(frame.id);
      if (received === 0) {
        firstEventMs = performance.now() - started;
        firstId = id;
      }
      if (lastId !== undefined && id <= lastId) disordered += 1;
      lastId = id;
      received += 1;
      if (received >= args.expected) finish(false);
    });
    const req = request({
      host: LOOPBACK,
      port: args.target.port,
      path: args.target.path,
      headers: { Accept: 'text/event-stream', ...args.target.headers },
      agent: false,
    });
    const timer = setTimeout(() => finish(true), args.timeoutMs);
    req.once('error', (err) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      reject(err);
    });
    req.once('response', (res) => {
      status = res.statusCode ?? 0;
      if (status !== 200) {
        finish(false);
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        bytes += Buffer.byteLength(chunk);
        parser.push(chunk);
      });
      res.once('end', () => finish(false));
    });
    req.end();
  });
}

serve({ replay });
