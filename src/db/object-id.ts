/** A 24-character hex string, the only form of id this API hands out. */
export function isObjectIdHex(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{24}$/i.test(value);
}
