const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 60 * 60, d: 24 * 60 * 60 };

/** Parses "900", "90s", "15m", "12h" or "7d" into whole seconds; anything else is undefined. */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d+)\s*([smhd])?$/.exec(value.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const seconds = amount * UNIT_SECONDS[match[2] ?? 's']!;
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}
