import { Types } from 'mongoose';
import { accessTokenSettings } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { runOnScratchDatabase } from './scratch-database';
import { seedProjectSessions, seedUsers } from './seed';

/**
 * `npx tsx bench/explain-queries.ts`: the `explain` of every hot query, on the embedded database unless
 * MONGODB_URI is set, with 10^4 sessions (and as many refresh tokens, rotations, revocations, feed entries
 * and rate-limit hits) in the collections. docs/SCALING.md quotes its output. Updates and deletes select their
 * documents with the same filter as a find (FerretDB reads, then writes by `_id`), so a find stands for them.
 */

const COUNT = 10_000;

runOnScratchDatabase('auth_explain', async (connection, models) => {
  const userIds = await seedUsers(models, 100);
  const tokens = accessTokenSettings(loadConfig({ JWT_ACCESS_SECRET: 'x'.repeat(32) }));
  await seedProjectSessions(models, { tokens, accessCookieName: 'accessToken' }, userIds, COUNT, 0);
  const sessions = await models.Session.find({}).lean();
  const now = new Date();
  const later = new Date(now.getTime() + 60_000);
  await models.RefreshToken.insertMany(sessions.map((s, i) => ({ _id: `token-${i}`, sessionId: s._id, userId: s.userId, createdAt: now, expiresAt: later })));
  await models.RefreshTokenRotation.insertMany(sessions.map((s, i) => ({ _id: `used-${i}`, sessionId: s._id, successorHash: `token-${i}`, rotatedAt: now, expiresAt: later })));
  await models.SessionRevocation.insertMany(sessions.map((s) => ({ _id: s._id, userId: s.userId, reason: 'logout', revokedAt: now, expiresAt: later })));
  await models.RevocationFeedEntry.insertMany(sessions.map((s, i) => ({ _id: i, sessionIds: [s._id.toHexString()], createdAt: now, expiresAt: later })));
  await models.RateLimitHit.insertMany(sessions.map((_, i) => ({ _id: new Types.ObjectId(), key: `key-${i % 500}`, at: now, expiresAt: later })));
  const session = sessions[sessions.length - 1]!;
  const userId = session.userId;
  const sessionIds = sessions.slice(0, 5).map((s) => s._id);
  const since = new Date(now.getTime() - 60_000);

  const find = (collection: string, filter: object, extra: object = {}) => ({ find: collection, filter, ...extra });
  const queries: Array<[string, Record<string, unknown>]> = [
    ['session by id (first request of a session on an instance, refresh, logout, DELETE /auth/sessions/:id)', find('sessions', { _id: session._id }, { limit: 1 })],
    ['revocation by session id (same)', find('session_revocations', { _id: session._id }, { limit: 1 })],
    ['refresh token by hash (refresh, logout by cookie)', find('refresh_tokens', { _id: 'token-9999' }, { limit: 1 })],
    ['rotation by hash of the used token (refresh)', find('refresh_token_rotations', { _id: 'used-9999' }, { limit: 1 })],
    ['active sessions of a user (GET /auth/sessions, logout others/global, password change)', find('sessions', { userId, expiresAt: { $gt: now } }, { sort: { createdAt: -1, _id: -1 } })],
    ['revocations of the listed sessions (GET /auth/sessions)', find('session_revocations', { _id: { $in: sessionIds } }, { projection: { _id: 1 } })],
    ['user by id (GET /users/me, password change, account deletion)', find('users', { _id: userIds[0] }, { limit: 1 })],
    ['user by email (login, register)', find('users', { email: 'bench@example.com' }, { limit: 1 })],
    ['sessions of a user (account deletion: find, then delete)', find('sessions', { userId }, { projection: { _id: 1 } })],
    ["rotations of a user's sessions (account deletion)", find('refresh_token_rotations', { sessionId: { $in: sessionIds } })],
    ["refresh tokens of a user (account deletion)", find('refresh_tokens', { userId })],
    [
      'rate-limit count of keys within the window (every counted request)',
      { aggregate: 'rate_limit_hits', pipeline: [{ $match: { key: { $in: ['key-1', 'key-2'] }, at: { $gt: since } } }, { $group: { _id: '$key', count: { $sum: 1 } } }], cursor: {} },
    ],
    ['oldest hit of a key within the window (a refused request)', find('rate_limit_hits', { key: 'key-1', at: { $gt: since } }, { sort: { at: 1 }, limit: 1 })],
    ['newest hit of a key (releaseNewest), and reset', find('rate_limit_hits', { key: 'key-1' }, { sort: { at: -1, _id: -1 }, limit: 1 })],
    ['hits taken back by id (a refused or uncounted request)', find('rate_limit_hits', { _id: { $in: [new Types.ObjectId(), new Types.ObjectId()] } })],
    ['sessions past their end (the expiry sweep, every SESSION_EXPIRY_SWEEP_MS on every instance)', find('sessions', { expiresAt: { $lte: now } }, { limit: 500 })],
    [
      'revocation feed poll (from the position, up to 1,000 entries further and not past the next power of ten; 4 times per lease on every instance)',
      find('revocation_feed', { _id: { $gte: COUNT - 10, $lte: COUNT } }, { projection: { _id: 1, sessionIds: 1 }, sort: { _id: 1 } }),
    ],
    [
      'newest feed entry, from the highest number the instance has seen (every revocation)',
      find('revocation_feed', { _id: { $gte: COUNT - 10, $lte: COUNT } }, { projection: { _id: 1 }, sort: { _id: -1 }, limit: 1 }),
    ],
  ];
  for (const [label, command] of queries) {
    const explained = await connection.db!.command({ explain: command, verbosity: 'queryPlanner' });
    const { queryPlanner, filterPushdown } = explained as { queryPlanner?: { Plan?: string[] }; filterPushdown?: boolean };
    const filter = 'filter' in command ? command.filter : (command.pipeline as Array<{ $match?: object }>)[0]!.$match;
    // FerretDB's plan is SQLite's EXPLAIN QUERY PLAN; MongoDB's is printed whole.
    const plan = queryPlanner?.Plan ? queryPlanner.Plan.map((row) => row.replace(/^.*detail=/, '')).join(' | ') : JSON.stringify(queryPlanner);
    console.log(`${label}\n  ${JSON.stringify(filter)}\n  filterPushdown=${filterPushdown}: ${plan || '(no SQL plan)'}\n`);
  }
});
