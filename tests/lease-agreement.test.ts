import { execFile } from 'node:child_process';
import path from 'node:path';
import { spawnApi, startApiProcess, type ApiProcess } from './support/api-process';
import { processDatabase } from './support/process-database';
import { TEST_SECRET } from './support/test-secret';

/**
 * Issue 21, finding 3: instances (and the sessions command) on one database with different
 * REVOCATION_LEASE_MS let a revoked token be accepted after the logout answered. Now a process refuses to
 * start when a live process on its database runs with another lease (src/db/lease-agreement.ts).
 */

const ROOT = path.resolve(__dirname, '..');
const database = processDatabase();
let a: ApiProcess;
beforeAll(async () => {
  a = await startApiProcess(database.uri, { REVOCATION_LEASE_MS: '150' });
}, 60_000);
afterAll(async () => {
  await a?.stop();
  await database.drop();
});

const apiEnv = (leaseMs: string) => ({
  NODE_ENV: 'test',
  MONGODB_URI: database.uri,
  JWT_ACCESS_SECRET: TEST_SECRET,
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  PORT: '0',
  REVOCATION_LEASE_MS: leaseMs,
});

function runSessionsCommand(leaseMs: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/operator/sessions-command.ts', 'list', 'nobody@example.com'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', LOG_LEVEL: 'warn', MONGODB_URI: database.uri, REVOCATION_LEASE_MS: leaseMs },
        timeout: 30_000,
      },
      (error, _stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }),
    );
  });
}

describe('one REVOCATION_LEASE_MS per deployment', () => {
  it('a second instance with another lease refuses to start, saying which lease the live instance uses', async () => {
    const f = spawnApi(apiEnv('3000'));
    try {
      // Bounded: an instance that does start (the bug) is stopped below instead of outliving the test.
      const outcome = await Promise.race([f.exited, new Promise((resolve) => setTimeout(() => resolve('still running after 20 s'), 20_000))]);
      expect(outcome).toBe(1);
      expect(f.output()).toMatch(/REVOCATION_LEASE_MS is 3000 here, but .*api on .* 150 ms/);
    } finally {
      await f.stop();
    }
    // A is untouched, and still the only one.
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
  }, 60_000);

  it('a second instance with the same lease starts', async () => {
    const b = await startApiProcess(database.uri, { REVOCATION_LEASE_MS: '150' });
    try {
      expect((await fetch(`${b.url}/readyz`)).status).toBe(200);
    } finally {
      await b.stop();
    }
  }, 60_000);

  it('the sessions command follows the same rule: refused with another lease, run with the same one', async () => {
    const refused = await runSessionsCommand('3000');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/sessions: REVOCATION_LEASE_MS is 3000 here, but .*150 ms/);
    // With the same lease it runs, and answers the question asked (there is no such user).
    const run = await runSessionsCommand('150');
    expect(run.stderr).toMatch(/sessions: no user with the email nobody@example.com/);
    expect(run.stderr).not.toMatch(/REVOCATION_LEASE_MS/);
  }, 60_000);
});
