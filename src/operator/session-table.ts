import type { Session } from '../sessions/session';

/** Sessions as a plain-text table, one per line, for a terminal. */

const USER_AGENT_WIDTH = 40;

/** To the second, in UTC, as a log line would show it. */
function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A user agent is whatever a client sent: its control characters could drive the operator's terminal. */
function shorten(text: string, width: number): string {
  // eslint-disable-next-line no-control-regex
  const oneLine = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').replace(/\s+/g, ' ').trim();
  return oneLine.length > width ? `${oneLine.slice(0, width - 1)}…` : oneLine;
}

export function formatSessionTable(sessions: readonly Session[]): string {
  const header = ['id', 'created', 'last used', 'expires', 'user agent', 'ip'];
  const rows = sessions.map((s) => [
    s.id,
    timestamp(s.createdAt),
    timestamp(s.lastUsedAt),
    timestamp(s.expiresAt),
    shorten(s.userAgent, USER_AGENT_WIDTH) || '-',
    s.ip || '-',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((cells) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
