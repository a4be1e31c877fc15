import { Types } from 'mongoose';
import { accessTokenSettings } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { createModels, ensureIndexes, type Models } from '../src/db/models';
import { measurePaired } from './paired';
import { runOnScratchDatabase } from './scratch-database';
import { seededEmail, seedProjectSessions, seedUsers } from './seed';

/**
 * `npx tsx bench/query-cost.ts`: the database work of the growth case's routes on its own, each hot read
 * timed on a database of 10^3 users and sessions and on one of 10^5 (two databases of one server, paired
 * interleaved calls), on the embedded database unless MONGODB_URI is set. Separates what the data size
 * costs from what the machine's load does to a whole route (docs/PERFORMANCE.md).
 */

const SIZES = [1_000, 100_000] as const;
const PAIRS = 101;

runOnScratchDatabase('auth_query_cost', async (connection) => {
  const tokens = accessTokenSettings(loadConfig({ JWT_ACCESS_SECRET: 'x'.repeat(32) }));
  const databases = await Promise.all(
    SIZES.map(async (size) => {
      const db = connection.useDb(`auth_query_cost_${size}`);
      await db.dropDatabase();
      const models: Models = createModels(db);
      await ensureIndexes(models);
      const userIds = await seedUsers(models, size);
      await seedProjectSessions(models, { tokens, accessCookieName: 'a' }, userIds, size, 0);
      const session = (await models.Session.findOne({ userId: userIds[size - 1] }).lean())!;
      return { models, user: userIds[size - 1]!, session: session._id };
    }),
  );
  const reads: Record<string, (d: (typeof databases)[number]) => Promise<unknown>> = {
    'user by email (login)': ({ models, user }) => models.User.findOne({ email: seededEmail(user) }).lean(),
    'user by id (GET /users/me)': ({ models, user }) => models.User.findById(user).lean(),
    'session by id (first call of a session, refresh)': ({ models, session }) => models.Session.findById(session).lean(),
    'revocation by id (same)': ({ models, session }) => models.SessionRevocation.exists({ _id: session }),
    "a user's active sessions (GET /auth/sessions)": ({ models, user }) => models.Session.find({ userId: user, expiresAt: { $gt: new Date() } }).sort({ createdAt: -1, _id: -1 }).lean(),
    'their revocations': ({ models, session }) => models.SessionRevocation.find({ _id: { $in: [session, new Types.ObjectId()] } }, { _id: 1 }).lean(),
  };
  for (const [label, read] of Object.entries(reads)) {
    const { medianMs, ratio } = await measurePaired([() => read(databases[0]!), () => read(databases[1]!)], PAIRS);
    console.log(`${label}: ${medianMs[0].toFixed(2)} ms at ${SIZES[0]}, ${medianMs[1].toFixed(2)} ms at ${SIZES[1]}; ratio ${ratio.toFixed(2)} (median of ${PAIRS} pairs)`);
  }
  await Promise.all(databases.map(({ models }) => models.User.db.dropDatabase()));
});
