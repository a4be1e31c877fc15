import mongoose, { Types, type Connection } from 'mongoose';
import { seededRandom } from './support/seeded-random';
import { testDatabaseUri, uniqueDatabaseName } from './support/test-app';

/**
 * The embedded FerretDB is patched to push equality and `$in` on indexed fields, and ranges on dates and on
 * positive numbers, down to SQLite (src/dev-database/ferretdb-patches.ts). A pushed-down condition must select a
 * superset of the matching documents: the same queries on the same documents, with an index on the field (pushed down) and
 * without one (filtered in FerretDB's Go code only, as before the patch), must find exactly the same
 * documents. On MongoDB both collections take the same path, and the test holds trivially.
 */

const random = seededRandom();
const hex = new Types.ObjectId().toHexString();

/** Strings whose JSON text is easy to get wrong: escapes, HTML characters, surrogate pairs, control characters. */
function randomString(): string {
  const alphabet = ['a', 'Z', '"', '\\', '/', '<', '>', '&', "'", '\u0000', '\u001f', '\u007f', '\u00e9', '\u2028', '\u2029', '\ud83d\ude00', '[', '{', ' '];
  return Array.from({ length: random.between(0, 6) }, () => alphabet[random.between(0, alphabet.length - 1)]).join('');
}

const strings = ['x', 'X', '', 'a<b>&c', 'café', 'cafe\u0301', 'quote"back\\slash', '\u2028', '😀', '[', '[x]', '{"a":1}', '1', 'null', hex, ...Array.from({ length: 30 }, randomString)];
const objectId = new Types.ObjectId(hex);
const otherId = new Types.ObjectId();
/** Dates as the API stores them (milliseconds of 13 digits, the span the patch pushes down). */
const [jan2026, jun2026, jan2027, jan2030] = ['2026-01-01T00:00:00Z', '2026-06-01T00:00:00.001Z', '2027-01-01T00:00:00Z', '2030-01-01T00:00:00Z'].map((t) => new Date(t)) as [Date, Date, Date, Date];
const { Long, Double, Int32 } = mongoose.mongo;
/**
 * Numbers whose JSON text sorts away from their value ("100" < "41" < "5"), at the edges of the digit counts a
 * range is split by, with fractions beside the bounds, as int32, int64 and double, and out of the pushed-down span.
 */
const numbers: unknown[] = [
  0, -0, 0.5, 1e-7, 1, 1.5, 5, 9, 9.99, 10, 41, 41.5, 99, 99.5, 100, 101, 410, 999, 1000, 4100, 123_456,
  -5, -41, -100.5, 2 ** 31, 2 ** 53, 1e21, 1.5e300, new Long(41), new Long(1000), Long.fromString('9007199254740993'), new Double(100), new Int32(99),
];

/** Values a field takes in the documents, including arrays (which equality matches by element) and other types. */
const values: unknown[] = [
  ...strings,
  objectId,
  otherId,
  ['x', 1],
  [{ a: 'x' }, 'y'],
  ['a<b>&c', objectId],
  [],
  [hex],
  [objectId],
  { a: 'x' },
  { b: ['x'] },
  1,
  1.5,
  -1,
  null,
  true,
  new Date(0),
  jan2026,
  jun2026,
  jan2030,
  new Date(jun2026.getTime() - 1),
  [jan2027, 'y'],
  [new Date(0)],
  '2026-03-01T00:00:00.000Z',
  1_780_000_000_000,
  ...numbers,
  [41, 'y'],
  [5, 500],
  ['100'],
  '41',
  undefined,
];

/** Ranges on numbers: within one digit count, across several, with fractional, int64 and double bounds, and at the edges of the span. */
const numberRanges: Array<Record<string, unknown>> = [
  { $gte: 41, $lte: 100 },
  { $gte: 41, $lt: 100 },
  { $gt: 9, $lt: 100 },
  { $gte: 1, $lte: 9 },
  { $gt: 1, $lt: 1000 },
  { $gte: 5, $lte: 123_456 },
  { $gte: 9.5, $lte: 99.5 },
  { $gt: 41.2, $lt: 99.7 },
  { $gte: new Long(41), $lte: new Long(1000) },
  { $gte: new Double(99), $lte: new Double(101) },
  { $gte: 1, $lt: 999_999_999_999_999 },
  { $gte: 1_000_000_000_000, $lte: 1_780_000_000_000 },
  { $lte: 100, $gte: 41 },
  // Not pushed down (a bound below 1 or past 10^15, an open range, a mixed one), kept as checks.
  { $gte: 0, $lte: 10 },
  { $gt: 0.5, $lt: 2 },
  { $gte: -100, $lte: 100 },
  { $gte: 1, $lte: 1e21 },
  { $gte: 41 },
  { $lt: 100 },
  { $gte: 41, $lte: jan2030 },
];

/** Filters on the field: equality with a string or ObjectId, and `$in` of them, alone or beside another condition. */
const filters: Array<Record<string, unknown>> = [
  ...strings.map((s) => ({ f: s })),
  { f: objectId },
  { f: otherId },
  { f: { $in: ['x', 'a<b>&c', objectId] } },
  { f: { $in: strings.slice(10) } },
  { f: { $in: [hex] } },
  { f: 'x', n: { $gte: 0 } },
  { f: objectId, n: { $lt: 1000 } },
  // Date ranges, as the expiry sweep and the cleanup ask them (`expiresAt <= now`).
  { f: { $lte: jun2026 } },
  { f: { $lt: jun2026 } },
  { f: { $gt: jan2026 } },
  { f: { $gte: jan2026, $lt: jan2030 } },
  { f: { $gt: jan2026, $lte: jan2030 }, n: { $gte: 0 } },
  // Ranges on numbers, as the revocation-feed poll asks them (`_id` from a position to at most 1,000 above it).
  ...numberRanges.map((range) => ({ f: range })),
  // Not pushed down (kept as a check that nothing else changed).
  { f: { $in: ['x', 1] } },
  { f: null },
  { f: { $ne: 'x' } },
];

let connection: Connection;

/** The same documents in `indexed<suffix>` (an index on f) and `plain<suffix>` (none). */
async function fillCollections(suffix = ''): Promise<void> {
  const docs = values.map((value, n) => (value === undefined ? { n } : { n, f: value }));
  await connection.db!.collection(`indexed${suffix}`).createIndex({ f: 1 });
  await connection.db!.collection(`indexed${suffix}`).insertMany(docs.map((doc) => ({ ...doc })));
  await connection.db!.collection(`plain${suffix}`).insertMany(docs.map((doc) => ({ ...doc })));
}

beforeAll(async () => {
  connection = await mongoose.createConnection(testDatabaseUri(), { dbName: uniqueDatabaseName() }).asPromise();
  await fillCollections();
});
afterAll(async () => {
  await connection.dropDatabase();
  await connection.close();
});

async function numbersFound(collection: string, filter: Record<string, unknown>): Promise<number[]> {
  const found = await connection.db!.collection(collection).find(filter, { projection: { n: 1 } }).toArray();
  return found.map((doc) => doc.n as number).sort((a, b) => a - b);
}

describe('queries on an indexed field find what they find without the index', () => {
  it(`find, count and aggregate agree for every filter, arrays and look-alike strings included (seed ${random.seed})`, async () => {
    const disagreements: string[] = [];
    for (const filter of filters) {
      const [indexed, plain] = [await numbersFound('indexed', filter), await numbersFound('plain', filter)];
      const counts = [await connection.db!.collection('indexed').countDocuments(filter), await connection.db!.collection('plain').countDocuments(filter)];
      // aggregate's leading $match is pushed down too (the rate-limit count).
      const matched = await connection.db!.collection('indexed').aggregate([{ $match: filter }, { $group: { _id: '$n', count: { $sum: 1 } } }]).toArray();
      const aggregated = matched.map((group) => group._id as number).sort((a, b) => a - b);
      if (JSON.stringify(aggregated) !== JSON.stringify(plain)) disagreements.push(`${JSON.stringify(filter)}: aggregate on indexed ${JSON.stringify(aggregated)}, plain ${JSON.stringify(plain)}`);
      if (JSON.stringify(indexed) !== JSON.stringify(plain) || counts[0] !== counts[1]) {
        disagreements.push(`${JSON.stringify(filter)}: indexed ${JSON.stringify(indexed)} (count ${counts[0]}), plain ${JSON.stringify(plain)} (count ${counts[1]})`);
      }
    }
    expect(disagreements).toEqual([]);
    // The comparison is not between empty results: equality finds the string and the arrays holding it.
    expect(await numbersFound('indexed', { f: 'x' })).toEqual([values.indexOf('x'), values.findIndex((v) => Array.isArray(v) && v[0] === 'x')]);
    expect(await numbersFound('indexed', { f: objectId })).toEqual([values.indexOf(objectId), values.findIndex((v) => Array.isArray(v) && v[1] === objectId), values.findIndex((v) => Array.isArray(v) && v[0] === objectId)].sort((a, b) => a - b));
    // A date range finds dates, in arrays too, and nothing of another type.
    expect((await numbersFound('indexed', { f: { $gte: jan2026, $lt: jan2030 } })).map((n) => values[n])).toEqual([jan2026, jun2026, new Date(jun2026.getTime() - 1), [jan2027, 'y']]);
  });

  it('ranges on _id find what the same bounds find when not pushed down, whatever the type of each _id', async () => {
    // Every collection has the _id index, so the reference is the same bounds written as an $and, which is not pushed down.
    const ids: unknown[] = [
      ...numbers.filter((n) => typeof n === 'number' && !Object.is(n, -0)),
      new Long(42), new Long(1001), Long.fromString('9007199254740993'), new Double(102), new Double(41.25), new Int32(98),
      '41', '100', '5', '', objectId, otherId, jan2026, true, null, { a: 41 },
    ];
    const collection = connection.db!.collection<{ _id: unknown; n: number }>('mixed_ids');
    await collection.insertMany(ids.map((_id, n) => ({ _id, n })));
    const disagreements: string[] = [];
    for (const range of numberRanges) {
      const pushed = { _id: range };
      const notPushed = { $and: Object.entries(range).map(([op, bound]) => ({ _id: { [op]: bound } })) };
      const [found, expected] = [await numbersFound('mixed_ids', pushed), await numbersFound('mixed_ids', notPushed)];
      const counts = [await collection.countDocuments(pushed), await collection.countDocuments(notPushed)];
      if (JSON.stringify(found) !== JSON.stringify(expected) || counts[0] !== counts[1]) {
        disagreements.push(`${JSON.stringify(pushed)}: ${JSON.stringify(found)} (count ${counts[0]}), not pushed down ${JSON.stringify(expected)} (count ${counts[1]})`);
      }
    }
    expect(disagreements).toEqual([]);
    // Not a comparison of empty results: 41 to 100 holds numbers of every type whose text sorts apart.
    const found = (await numbersFound('mixed_ids', { _id: { $gte: 41, $lte: 100 } })).map((n) => String(ids[n]));
    expect(found.sort()).toEqual(['100', '41', '41.25', '41.5', '42', '98', '99', '99.5'].sort());
  });

  it('updates and deletes select the same documents as without the index', async () => {
    // Collections of their own: the other tests read the documents these writes change.
    await fillCollections('_writes');
    const [indexed, plain] = ['indexed_writes', 'plain_writes'];
    for (const filter of [{ f: 'a<b>&c' }, { f: { $in: ['x', objectId] } }, { f: { $gte: 9, $lt: 1000 } }]) {
      const updated = await Promise.all([indexed, plain].map((c) => connection.db!.collection(c).updateMany(filter, { $set: { touched: true } })));
      expect(updated.map((result) => result.modifiedCount)).toEqual([updated[1]!.modifiedCount, updated[1]!.modifiedCount]);
      expect(await numbersFound(indexed, { touched: true })).toEqual(await numbersFound(plain, { touched: true }));
      const deleted = await Promise.all([indexed, plain].map((c) => connection.db!.collection(c).deleteMany(filter)));
      expect(deleted[0]!.deletedCount).toBeGreaterThan(0);
      expect(deleted[0]!.deletedCount).toBe(deleted[1]!.deletedCount);
      expect(await numbersFound(indexed, {})).toEqual(await numbersFound(plain, {}));
    }
  });

  it('are index lookups on the embedded database, by the index on the field and by _id (explain)', async () => {
    const buildInfo = await connection.db!.admin().command({ buildInfo: 1 });
    // MongoDB plans its own way (docs/SCALING.md); the patch under test is FerretDB's.
    if (typeof buildInfo.ferretdbVersion !== 'string') return;
    const plan = async (filter: Record<string, unknown>) => {
      const explained = await connection.db!.command({ explain: { find: 'indexed', filter }, verbosity: 'queryPlanner' });
      return ((explained.queryPlanner as { Plan?: string[] }).Plan ?? []).map((row) => row.replace(/^.*detail=/, '')).join(' | ');
    };
    const [doc] = await connection.db!.collection('indexed').find({}).limit(1).toArray();
    expect(await plan({ f: 'x' })).toMatch(/SEARCH indexed_\w+ USING INDEX indexed_\w+_f_1 /);
    expect(await plan({ f: { $in: ['x', objectId] }, n: { $gt: 0 } })).toMatch(/USING INDEX indexed_\w+_f_1 /);
    expect(await plan({ f: { $lte: jun2026 } })).toMatch(/USING INDEX indexed_\w+_f_1 /);
    expect(await plan({ f: { $gte: 41, $lt: 100 } })).toMatch(/USING INDEX indexed_\w+_f_1 /);
    expect(await plan({ _id: doc!._id })).toMatch(/^SEARCH indexed_\w+ USING INDEX indexed_\w+__id_ /);
    // The feed poll's shape: a number range on _id, one SEARCH per digit count.
    expect(await plan({ _id: { $gte: 41, $lte: 100 } })).toMatch(/^MULTI-INDEX OR \| INDEX 1 \| SEARCH indexed_\w+ USING INDEX indexed_\w+__id_ \(<expr>>\? AND <expr><\?\) \| INDEX 2 \| SEARCH /);
    expect(await plan({ _id: { $gte: 41, $lt: 99 } })).toMatch(/^SEARCH indexed_\w+ USING INDEX indexed_\w+__id_ \(<expr>>\? AND <expr><\?\)$/);
    // Without the index (or on a condition that is not pushed down) it is still the scan it was.
    expect(await plan({ n: 3 })).toMatch(/^SCAN indexed_\w+$/);
    expect(await plan({ _id: { $gte: 41 } })).toMatch(/^SCAN indexed_\w+$/);
  });
});
