import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import newman from 'newman';
import { startApi } from '../tests/support/api-process';

/**
 * npm run test:postman: starts the API (through tsx, no build needed) on a free loopback port with a fresh
 * embedded database, waits for /readyz, runs the Postman collection with newman, and stops the API and its
 * database whatever happened. Exit code 0 only when every assertion of the collection passed.
 */

const ROOT = path.resolve(__dirname, '..');
const COLLECTION = path.join(ROOT, 'postman', 'logout-auth-api.postman_collection.json');
const ENVIRONMENT = path.join(ROOT, 'postman', 'logout-auth-api.postman_environment.json');

function runCollection(baseUrl: string): Promise<newman.NewmanRunSummary> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: COLLECTION,
        environment: ENVIRONMENT,
        envVar: [{ key: 'baseUrl', value: baseUrl }],
        reporters: ['cli'],
        timeoutRequest: 15_000,
        color: 'off',
      },
      (error, summary) => (error ? reject(error) : resolve(summary)),
    );
  });
}

async function main(): Promise<number> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'auth-api-postman-'));
  try {
    const api = await startApi({ NODE_ENV: 'development', EMBEDDED_DB_DIR: dataDir, LOG_LEVEL: 'warn' });
    const stop = () => void api.stop().finally(() => process.exit(130));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      console.log(`API ready on ${api.url}; running ${path.relative(ROOT, COLLECTION)}`);
      const summary = await runCollection(api.url);
      const failures = summary.run.failures.length;
      const total = summary.run.stats.assertions.total ?? 0;
      const failed = summary.run.stats.assertions.failed ?? 0;
      // The plain closing line CI reads; script errors count as failures even when no assertion failed.
      console.log(`postman: ${total - failed} passed, ${failed} failed`);
      return failures === 0 && total > 0 ? 0 : 1;
    } finally {
      await api.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
