/**
 * The text form of an ObjectId, 24 hex digits, defined once. MongoDB reads the digits in either case, so
 * ids are accepted in either (a session id in a path, a token's claims); ObjectId#toHexString writes lower
 * case, so every id the API sends is lower case. No regex flags: the patterns are copied verbatim into the
 * OpenAPI document, where flags do not exist.
 */
const objectIdOf = (hexDigits: string) => new RegExp(`^[${hexDigits}]{24}$`);

/** What the API accepts as an id. */
export const OBJECT_ID_PATTERN = objectIdOf('0-9a-fA-F');

/**
 * What the API sends as an id. The response schemas use this, not the accepting pattern, so that an id sent
 * in another form (upper case, from a client's input echoed back) fails the suite's check of every response.
 */
export const LOWER_CASE_OBJECT_ID_PATTERN = objectIdOf('0-9a-f');

/** A 24-character hex string in either case: what an id handed out by this API may come back as. */
export function isObjectIdHex(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID_PATTERN.test(value);
}
