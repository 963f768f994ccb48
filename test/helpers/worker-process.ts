import { type ServiceProcess, spawnService } from './service-process.js';

export type WorkerProcess = ServiceProcess;

/**
 * The built delivery worker (`dist/workers/delivery-worker.js`) on its own: it serves /health, /ready and
 * /metrics on PORT (port 0 on loopback unless `env` says otherwise). Resolves once it logs that it started.
 */
export function spawnWorker(
  env: Record<string, string>,
  options: { entry?: string; startTimeoutMs?: number } = {},
): Promise<WorkerProcess> {
  return spawnService(
    options.entry ?? 'dist/workers/delivery-worker.js',
    'delivery worker started',
    env,
    options.startTimeoutMs,
  );
}
