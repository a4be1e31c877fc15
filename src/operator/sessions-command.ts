import os from 'node:os';
import { parseArgs } from 'node:util';
import pino, { type Logger } from 'pino';
import { createAuditLog } from '../audit-log';
import { agreeOnLease, LeaseMismatchError } from '../db/lease-agreement';
import { auditSessionEnds } from '../auth/session-end-audit';
import { createSessionAuth } from '../auth/session-auth';
import type { Config } from '../config';
import { openDatabase } from '../db/open-database';
import { createLogger } from '../logger';
import { readProcessConfig } from '../process-config';
import { chooseDatabase } from './database-target';
import { createEventAdmin } from './event-admin';
import { createSessionAdmin, OperatorError } from './session-admin';
import { formatSessionTable } from './session-table';

/**
 * npm run sessions -- list <email>
 * npm run sessions -- revoke <email> [--session <id>]
 * npm run sessions -- events pending
 * npm run sessions -- events retry <receiver URL>
 *
 * The result goes to stdout; audit lines go to stderr, and any failure is one line there with exit
 * code 1 (2 for a command line that is not understood).
 */

const USAGE = 'usage: npm run sessions -- list <email> | revoke <email> [--session <id>] | events pending | events retry <receiver URL>';

class UsageError extends Error {}

type Command =
  | { action: 'list'; email: string }
  | { action: 'revoke'; email: string; sessionId?: string }
  | { action: 'events-pending' }
  | { action: 'events-retry'; receiver: string };

function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { session: { type: 'string' } } });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [action, email, ...extra] = parsed.positionals;
  if (action === 'events' && parsed.values.session === undefined) {
    if (email === 'pending' && extra.length === 0) return { action: 'events-pending' };
    if (email === 'retry' && extra.length === 1) return { action: 'events-retry', receiver: extra[0]! };
    throw new UsageError(USAGE);
  }
  if (!email || extra.length > 0) throw new UsageError(USAGE);
  if (action === 'list' && parsed.values.session === undefined) return { action, email };
  if (action === 'revoke') return { action, email, ...(parsed.values.session !== undefined ? { sessionId: parsed.values.session } : {}) };
  throw new UsageError(USAGE);
}

/** Whoever ran the command, for the audit line. */
function operatorName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

async function open(config: Config, logger: Logger) {
  const target = chooseDatabase(config);
  try {
    // No sweeper: the command ends within seconds, and the API whose database this is sweeps.
    return await openDatabase({ ...config, mongodbUri: target.uri }, logger, { sweepIntervalMs: 0 });
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new OperatorError(`cannot reach the database at ${target.description}: ${reason}`);
  }
}

async function run(command: Command, config: Config): Promise<string> {
  const logger = createLogger(config.logLevel, pino.destination({ dest: 2, sync: true }), config.logFormat);
  const database = await open(config, logger);
  const { connection, models } = database;
  // The same rule as an API instance's: no revoking with a lease other than the live instances' own.
  const lease = await agreeOnLease(connection, config.sessionMemory.leaseMs, 'sessions command').catch(async (error: unknown) => {
    await database.close();
    throw error instanceof LeaseMismatchError ? new OperatorError(error.message) : error;
  });
  // The very session core, memory and revocation barrier the API builds (src/app.ts): a revocation
  // here is announced on the revocation feed and waits out the lease, like a logout.
  const audit = createAuditLog(logger);
  const { core, memory, ends } = createSessionAuth({ config, connection, models, logger });
  ends.listen(auditSessionEnds(audit));
  try {
    if (command.action === 'events-pending') return await createEventAdmin(models).listPending();
    if (command.action === 'events-retry') {
      const retried = await createEventAdmin(models).retryFailed(command.receiver);
      return `${retried} failed session event${retried === 1 ? '' : 's'} of ${command.receiver} back in the outbox; the API instances deliver them now`;
    }
    const admin = createSessionAdmin({ User: models.User, core, audit, operator: operatorName() });
    if (command.action === 'list') {
      const { email, sessions: active } = await admin.listSessions(command.email);
      if (active.length === 0) return `${email} has no active sessions`;
      return `${active.length} active session${active.length === 1 ? '' : 's'} of ${email}\n${formatSessionTable(active)}`;
    }
    const result = await admin.revokeSessions(command.email, command.sessionId);
    if (result.sessionId) return `revoked session ${result.sessionId} of ${result.email}`;
    return result.revoked === 0 ? `${result.email} has no active sessions; nothing to revoke` : `revoked ${result.revoked} session${result.revoked === 1 ? '' : 's'} of ${result.email}`;
  } finally {
    // A feed poll still running when the connection closes would fail and log a warning: stop polling,
    // let the last poll finish, then close.
    memory.stop();
    if (memory.enabled) await memory.whenPolled();
    await lease.leave();
    await database.close();
  }
}

async function main(): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(process.argv.slice(2));
  } catch (error) {
    console.error(`sessions: ${(error as Error).message}`);
    return 2;
  }
  try {
    console.log(await run(command, readProcessConfig()));
    return 0;
  } catch (error) {
    if (!(error instanceof OperatorError)) throw error;
    console.error(`sessions: ${error.message}`);
    return 1;
  }
}

// No process.exit: the process ends once its output is written and its connection closed.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Whatever else went wrong (the database failing mid-command, say): still one line.
    console.error(`sessions: failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    process.exitCode = 1;
  },
);
