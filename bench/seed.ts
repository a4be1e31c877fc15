import { randomBytes } from 'node:crypto';
import { Types, type Connection } from 'mongoose';
import type { SessionDocument } from '../src/db/session-models';
import { signAccessToken, type AccessTokenSettings } from '../src/auth/tokens';
import type { Models } from '../src/db/models';
import { PEER_COLLECTION, PEER_SESSION_MAX_AGE_MS, signPeerSessionId } from './settings';

/**
 * Sessions are written straight into the database in bulk: the benchmark measures requests that use a
 * session, so password hashing and login are kept out of it. Each seeding returns the Cookie headers a
 * browser holding those sessions would send.
 */

const BATCH = 5_000;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

async function insertInBatches<T extends object>(insert: (docs: T[]) => Promise<unknown>, count: number, make: (i: number) => T) {
  for (let start = 0; start < count; start += BATCH) {
    const docs = Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => make(start + i));
    await insert(docs);
  }
}

/** The email of a seeded user. */
export const seededEmail = (id: Types.ObjectId) => `bench-${id.toHexString()}@example.com`;

/** Users with real documents, so GET /api/v1/users/me finds them; `passwordHash` lets them log in. */
export async function seedUsers(models: Models, count: number, passwordHash = 'not-a-real-hash'): Promise<Types.ObjectId[]> {
  const ids = Array.from({ length: count }, () => new Types.ObjectId());
  const now = new Date();
  await insertInBatches(
    (docs) => models.User.collection.insertMany(docs as never[]),
    count,
    (i) => ({ _id: ids[i]!, email: seededEmail(ids[i]!), passwordHash, createdAt: now, updatedAt: now }),
  );
  return ids;
}

/** Marks the sessions seeded for the logout case, so they can be removed before the cost curve. */
export const LOGOUT_POOL_USER_AGENT = 'bench-logout';

function sessionDocument(userId: Types.ObjectId, now: Date, userAgent: string): SessionDocument {
  return {
    _id: new Types.ObjectId(),
    userId,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: new Date(now.getTime() + WEEK_MS),
    userAgent,
    ip: '127.0.0.1',
  };
}

/** How the API under test signs access tokens and names its access cookie (both follow its config). */
export interface ProjectCredentials {
  tokens: AccessTokenSettings;
  accessCookieName: string;
}

/**
 * `count` sessions of this project, spread over `userIds`; the Cookie headers of the first `withTokens`
 * (signing every one of 10^5 tokens would only slow the seeding down).
 */
export async function seedProjectSessions(
  models: Models,
  { tokens, accessCookieName }: ProjectCredentials,
  userIds: Types.ObjectId[],
  count: number,
  withTokens = count,
  userAgent = 'bench',
): Promise<string[]> {
  const now = new Date();
  const cookies: Array<Promise<string>> = [];
  await insertInBatches(
    (docs) => models.Session.collection.insertMany(docs as never[]),
    count,
    (i) => {
      const doc = sessionDocument(userIds[i % userIds.length]!, now, userAgent);
      if (i < withTokens) {
        const signed = signAccessToken(tokens, { userId: doc.userId.toHexString(), sessionId: doc._id.toHexString() });
        cookies.push(signed.then(({ token }) => `${accessCookieName}=${token}`));
      }
      return doc;
    },
  );
  return Promise.all(cookies);
}

/** `count` express-session sessions in connect-mongo's format (stringified session, lastModified for touchAfter). */
export async function seedPeerSessions(connection: Connection, secret: string, userIds: Types.ObjectId[], count: number): Promise<string[]> {
  const now = new Date();
  const expires = new Date(now.getTime() + PEER_SESSION_MAX_AGE_MS);
  const cookies: string[] = [];
  await insertInBatches(
    (docs) => connection.collection(PEER_COLLECTION).insertMany(docs as never[]),
    count,
    (i) => {
      const sid = randomBytes(24).toString('base64url');
      cookies.push(`connect.sid=${encodeURIComponent(signPeerSessionId(sid, secret))}`);
      const cookie = { originalMaxAge: PEER_SESSION_MAX_AGE_MS, expires: expires.toISOString(), httpOnly: true, path: '/', sameSite: 'lax' };
      return { _id: sid, expires, lastModified: now, session: JSON.stringify({ cookie, userId: userIds[i % userIds.length]!.toHexString() }) };
    },
  );
  return cookies;
}
