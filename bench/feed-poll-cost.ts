import { Types } from 'mongoose';
import { createMongoRevocationFeed } from '../src/db/mongo-revocation-feed';
import { createSessionModels } from '../src/db/session-models';
import { measurePaired } from './paired';
import { runOnScratchDatabase } from './scratch-database';

/**
 * `npx tsx bench/feed-poll-cost.ts`: one revocation-feed poll of an instance that is up to date (it reads
 * from the newest entry on), with 10^2 and with 10^5 revocations in the feed's retention window (one entry
 * each), on the embedded database unless MONGODB_URI is set. The two sizes live in two databases of one
 * server, measured in paired, interleaved polls; the ratio is the median of the paired ratios.
 * `npx tsx bench/feed-poll-cost.ts 110001` sets the larger size: there the newest number, 110000, has one
 * digit more than most of the window, the case where FerretDB's text ranges select the most entries that
 * do not match (docs/SCALING.md).
 */

const SIZES = [100, Number(process.argv[2] ?? 100_000)] as const;
const PAIRS = 41;

runOnScratchDatabase('auth_feed_cost', async (connection) => {
  const feeds = await Promise.all(
    SIZES.map(async (size) => {
      const models = createSessionModels(connection.useDb(`auth_feed_cost_${size}`));
      await models.RevocationFeedEntry.collection.drop().catch(() => undefined);
      const now = new Date();
      for (let stored = 0; stored < size; stored += 5_000) {
        const batch = Array.from({ length: Math.min(5_000, size - stored) }, (_, i) => ({
          _id: stored + i,
          sessionIds: [new Types.ObjectId().toHexString()],
          createdAt: now,
          expiresAt: new Date(now.getTime() + 60_000),
        }));
        await models.RevocationFeedEntry.insertMany(batch, { lean: true });
      }
      return { models, feed: createMongoRevocationFeed(models), position: size - 1 };
    }),
  );
  const poll = async (i: number) => {
    const entries = await feeds[i]!.feed.readFrom(feeds[i]!.position);
    if (entries.length !== 1) throw new Error(`a poll from the newest entry read ${entries.length} entries`);
  };
  const { medianMs, ratio } = await measurePaired([() => poll(0), () => poll(1)], PAIRS);
  console.log(
    `one poll at ${SIZES[0]} revocations in the window ${medianMs[0].toFixed(1)} ms, at ${SIZES[1]} ${medianMs[1].toFixed(1)} ms (medians of ${PAIRS}); ` +
      `ratio ${ratio.toFixed(1)} (median of paired ratios)`,
  );
  await Promise.all(feeds.map(({ models }) => models.RevocationFeedEntry.db.dropDatabase()));
});
