import { type ServiceProcess, spawnService } from './service-process.js';

export interface RelayProcess extends ServiceProcess {
  readonly port: number;
  readonly baseUrl: string;
}

/** The built relay (`dist/src/server.js` unless `entry` says otherwise), resolved once it listens. */
export async function spawnRelay(
  env: Record<string, string>,
  entry = 'dist/src/server.js',
): Promise<RelayProcess> {
  const service = await spawnService(entry, 'relay listening', env);
  const port = service.startLine.port as number;
  return { ...service, port, baseUrl: `http://127.0.0.1:${port}` };
}
