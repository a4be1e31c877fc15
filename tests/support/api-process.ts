import { startApi, type StartedApi } from '../../scripts/api-process';
import { TEST_SECRET } from './test-app';

/**
 * An API instance as a real process, the way one runs behind a load balancer: its own port on
 * 127.0.0.1, its own memory, a shared database.
 */

export type ApiProcess = StartedApi;

/** `mongodbUri` names the shared database; `env` adds settings such as SESSION_CACHE_STALENESS_MS. */
export function startApiProcess(mongodbUri: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  return startApi(
    {
      NODE_ENV: 'test',
      MONGODB_URI: mongodbUri,
      JWT_ACCESS_SECRET: TEST_SECRET,
      LOG_LEVEL: 'warn',
      PASSWORD_HASH_MEMORY_KIB: '8192',
      PASSWORD_HASH_ITERATIONS: '1',
      ...env,
    },
    20_000,
  );
}
