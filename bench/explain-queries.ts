import { Types } from 'mongoose';
import { accessTokenSettings } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { runOnScratchDatabase } from './scratch-database';
import { seedProjectSessions, seedUsers } from './seed';

/**
 * `npx tsx bench/explain-queries.ts`: the `explain` of every hot query, on the embedded database unless
 * MONGODB_URI is set, with 10^4 sessions in the collection. docs/SCALING.md quotes its output.
 */

runOnScratchDatabase('auth_explain', async (connection, models) => {
  const userIds = await seedUsers(models, 100);
  const tokens = accessTokenSettings(loadConfig({ JWT_ACCESS_SECRET: 'x'.repeat(32) }));
  await seedProjectSessions(models, { tokens, accessCookieName: 'accessToken' }, userIds, 10_000, 0);
  const session = await models.Session.findOne({}).sort({ _id: -1 }).lean();
  const now = new Date();
  const queries: Array<[string, Record<string, unknown>]> = [
    ['session by id (a session an instance does not know yet, refresh, logout)', { find: 'sessions', filter: { _id: session!._id }, limit: 1 }],
    ['revocation by session id (same)', { find: 'session_revocations', filter: { _id: session!._id }, limit: 1 }],
    ['refresh token by hash (refresh, logout by cookie)', { find: 'refresh_tokens', filter: { _id: 'f'.repeat(64) }, limit: 1 }],
    ['revocation feed poll', { find: 'revocation_feed', filter: { _id: { $gte: 41 } }, projection: { _id: 1, sessionIds: 1 }, sort: { _id: 1 } }],
    ['active sessions of a user (GET /auth/sessions, logout others/global)', { find: 'sessions', filter: { userId: session!.userId, expiresAt: { $gt: now } }, sort: { createdAt: -1, _id: -1 } }],
    ['user by id (GET /users/me)', { find: 'users', filter: { _id: new Types.ObjectId(userIds[0]) }, limit: 1 }],
    ['user by email (login)', { find: 'users', filter: { email: 'bench@example.com' }, limit: 1 }],
  ];
  for (const [label, command] of queries) {
    const explained = await connection.db!.command({ explain: command, verbosity: 'queryPlanner' });
    const { queryPlanner, filterPushdown, sortPushdown } = explained as Record<string, unknown>;
    console.log(`${label}\n  ${JSON.stringify(command.filter)}\n  ${JSON.stringify({ queryPlanner, filterPushdown, sortPushdown })}\n`);
  }
});
