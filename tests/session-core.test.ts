import { hashToken } from '../src/sessions/refresh-tokens';
import type { SessionsEnded } from '../src/sessions/session';
import { createSessionCore, type SessionSettings } from '../src/sessions/session-core';
import { SessionError } from '../src/sessions/session-errors';
import { createSessionEnds } from '../src/sessions/session-events';
import { createSessionMemory } from '../src/sessions/session-memory';
import { createMemorySessionRepository } from './support/memory-session-repository';
import { createTestClock } from './support/test-clock';

/**
 * The session rules through the core's seam, on the in-memory repository (held to MongoDB's contract by
 * session-repository.*.test.ts): fast, with time moved by hand. The HTTP suites prove the whole on the
 * real database.
 */

const MINUTE = 60_000;
const SETTINGS: SessionSettings = {
  refreshTokenTtlSeconds: 60 * 60,
  sessionAbsoluteLifetimeSeconds: 24 * 60 * 60,
  refreshReuseGraceSeconds: 10,
  sessionLimitPerUser: 0,
};
const USER = 'aaaaaaaaaaaaaaaaaaaaaaaa';

function coreWith(settings: Partial<SessionSettings> = {}) {
  const clock = createTestClock(Date.UTC(2026, 5, 1));
  const repository = createMemorySessionRepository({ clock: clock.now });
  // Memory off (lease 0): every check reads the repository, so the rules alone decide.
  const memory = createSessionMemory(repository.feed, { leaseMs: 0, maxEntries: 100 }, { clock: clock.now });
  const ends = createSessionEnds();
  const events: SessionsEnded[] = [];
  ends.listen((event) => events.push(event));
  const core = createSessionCore({ repository, memory, settings: { ...SETTINGS, ...settings }, ends, clock: clock.now });
  const signIn = async (userId = USER) => (await core.startSession({ userId, userAgent: 'test', ip: '127.0.0.1' }))!;
  return { core, clock, repository, events, signIn };
}

async function refusal(promise: Promise<unknown>): Promise<SessionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionError);
  return error as SessionError;
}

describe('starting a session', () => {
  it('gives a session that authenticates, with the idle timeout as its end, and a refresh token that proves it', async () => {
    const { core, clock, signIn } = coreWith();
    const { session, refreshToken, evictedSessionIds } = await signIn();
    expect(session.expiresAt.getTime()).toBe(clock.now() + 60 * MINUTE);
    expect(evictedSessionIds).toEqual([]);
    expect(await core.authenticate({ userId: USER, sessionId: session.id })).toBe(true);
    expect(await core.authenticate({ userId: 'bbbbbbbbbbbbbbbbbbbbbbbb', sessionId: session.id })).toBe(false);
    expect(await core.authenticateRefreshToken(refreshToken)).toEqual({ userId: USER, sessionId: session.id });
  });

  it('ends the new session at once when the sign-in is no longer allowed (the account was deleted meanwhile)', async () => {
    const { core, events } = coreWith();
    expect(await core.startSession({ userId: USER, userAgent: '', ip: '' }, async () => false)).toBeUndefined();
    expect(events).toEqual([expect.objectContaining({ reason: 'account_deleted', initiatedBy: 'user' })]);
    expect(await core.authenticate({ userId: USER, sessionId: events[0]!.sessionIds[0]! })).toBe(false);
  });
});

describe('the session limit', () => {
  it('ends the least recently used sessions beyond the limit, once each, as session_limit by policy', async () => {
    const { core, clock, signIn, events } = coreWith({ sessionLimitPerUser: 2 });
    const a = await signIn();
    clock.advance(MINUTE);
    const b = await signIn();
    clock.advance(MINUTE);
    // A is used again (refreshed): now B is the least recently used.
    await core.rotateRefreshToken(a.refreshToken);
    clock.advance(MINUTE);
    const c = await signIn();
    expect(c.evictedSessionIds).toEqual([b.session.id]);
    expect(events).toEqual([{ userId: USER, sessionIds: [b.session.id], reason: 'session_limit', at: new Date(clock.now()), initiatedBy: 'policy' }]);
    expect((await core.listSessions(USER)).map((s) => s.id)).toEqual([c.session.id, a.session.id]);
  });
});

describe('refresh-token rotation', () => {
  it('issues exactly one successor among concurrent rotations; the others are within the grace period', async () => {
    const { core, signIn } = coreWith();
    const { refreshToken } = await signIn();
    const results = await Promise.all(Array.from({ length: 5 }, () => core.rotateRefreshToken(refreshToken)));
    expect(results.filter((r) => r.outcome === 'rotated')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'within-grace')).toHaveLength(4);
  });

  it('treats a rotated token presented after the grace period as stolen: the session ends with refresh_reuse, by the system', async () => {
    const { core, clock, signIn, events } = coreWith();
    const { session, refreshToken } = await signIn();
    const rotated = await core.rotateRefreshToken(refreshToken);
    clock.advance(10_000);
    expect((await core.rotateRefreshToken(refreshToken)).outcome).toBe('within-grace');
    clock.advance(1);
    const error = await refusal(core.rotateRefreshToken(refreshToken));
    expect(error.kind).toBe('refresh_token_reused');
    expect(error.session).toEqual({ userId: USER, sessionId: session.id });
    expect(events).toEqual([expect.objectContaining({ sessionIds: [session.id], reason: 'refresh_reuse', initiatedBy: 'system' })]);
    // The successor dies with its session.
    expect(rotated.outcome).toBe('rotated');
    if (rotated.outcome === 'rotated') expect((await refusal(core.rotateRefreshToken(rotated.refreshToken))).kind).toBe('refresh_token_invalid');
  });

  it('refuses an unknown or expired refresh token without ending anything', async () => {
    const { core, clock, signIn, events } = coreWith();
    const { refreshToken } = await signIn();
    expect((await refusal(core.rotateRefreshToken('x'.repeat(43)))).kind).toBe('refresh_token_invalid');
    clock.advance(60 * MINUTE);
    expect((await refusal(core.rotateRefreshToken(refreshToken))).kind).toBe('refresh_token_invalid');
    expect(events).toEqual([]);
  });

  it('never extends a session past its absolute lifetime', async () => {
    const { core, clock, signIn } = coreWith({ sessionAbsoluteLifetimeSeconds: 90 * 60 });
    const started = await signIn();
    let token = started.refreshToken;
    clock.advance(50 * MINUTE);
    const rotated = await core.rotateRefreshToken(token);
    if (rotated.outcome !== 'rotated') throw new Error('expected a rotation');
    expect(rotated.session.expiresAt.getTime()).toBe(started.session.createdAt.getTime() + 90 * MINUTE);
    token = rotated.refreshToken;
    clock.advance(40 * MINUTE);
    expect((await refusal(core.rotateRefreshToken(token))).kind).toBe('refresh_token_invalid');
  });
});

describe('ending sessions', () => {
  it('emits one event per session end, however many calls race to end it', async () => {
    const { core, signIn, events } = coreWith();
    const sessions = [await signIn(), await signIn(), await signIn()];
    const counts = await Promise.all([
      core.endSessions({ userId: USER, allSessions: true }, 'logout_global'),
      core.endSessions({ userId: USER, allSessions: true }, 'admin_revoked'),
      core.logout([{ userId: USER, sessionId: sessions[0]!.session.id }], 'local'),
    ]);
    const ended = events.flatMap((e) => e.sessionIds).sort();
    expect(ended).toEqual(sessions.map((s) => s.session.id).sort());
    expect(counts[0] + counts[1] + counts[2][0]!).toBe(3);
  });

  it("refuses to end another user's session exactly as an unknown one", async () => {
    const { core, signIn, events } = coreWith();
    const theirs = await signIn('bbbbbbbbbbbbbbbbbbbbbbbb');
    expect((await refusal(core.endSessions({ userId: USER, sessionId: theirs.session.id }, 'session_deleted'))).kind).toBe('session_not_found');
    expect((await refusal(core.endSessions({ userId: USER, sessionId: 'cccccccccccccccccccccccc' }, 'session_deleted'))).kind).toBe('session_not_found');
    expect(events).toEqual([]);
  });

  it('spares the caller in "others", and refuses "others" when several sessions were proven', async () => {
    const { core, signIn, events } = coreWith();
    const [mine, other] = [await signIn(), await signIn()];
    const me = { userId: USER, sessionId: mine.session.id };
    expect((await refusal(core.logout([me, { userId: USER, sessionId: other.session.id }], 'others'))).kind).toBe('not_authenticated');
    expect(await core.logout([me], 'others')).toEqual([1]);
    expect(events).toEqual([expect.objectContaining({ sessionIds: [other.session.id], reason: 'logout_others', initiatedBy: 'user' })]);
    expect(await core.authenticate(me)).toBe(true);
  });
});

describe('expiry', () => {
  it('ends an idle session with idle_expired and one past its absolute lifetime with absolute_expired, once each', async () => {
    const { core, clock, signIn, events, repository } = coreWith({ refreshTokenTtlSeconds: 10 * 60, sessionAbsoluteLifetimeSeconds: 30 * 60 });
    const idle = await signIn();
    const busy = await signIn();
    let token = busy.refreshToken;
    for (let minute = 5; minute <= 25; minute += 5) {
      clock.advance(5 * MINUTE);
      const rotated = await core.rotateRefreshToken(token);
      if (rotated.outcome === 'rotated') token = rotated.refreshToken;
    }
    clock.advance(5 * MINUTE);
    expect(await core.endExpiredSessions()).toBe(1); // the idle one; the other ends this very moment, and the sweep waits a moment past an end
    clock.advance(3_000);
    expect(await core.endExpiredSessions()).toBe(1);
    expect(await core.endExpiredSessions()).toBe(0);
    const reasons = Object.fromEntries(events.map((e) => [e.sessionIds[0], [e.reason, e.initiatedBy]]));
    expect(reasons).toEqual({ [idle.session.id]: ['idle_expired', 'policy'], [busy.session.id]: ['absolute_expired', 'policy'] });
    expect(await repository.findSession(idle.session.id)).toBeUndefined();
    expect(await repository.isRevoked(busy.session.id)).toBe(true);
    expect(await repository.findRefreshToken(hashToken(idle.refreshToken))).toBeDefined();
  });

  it('leaves live sessions and already-ended ones alone', async () => {
    const { core, clock, signIn, events } = coreWith({ refreshTokenTtlSeconds: 10 * 60 });
    const ended = await signIn();
    await core.logout([{ userId: USER, sessionId: ended.session.id }], 'local');
    clock.advance(10 * MINUTE + 3_000);
    const live = await signIn();
    expect(await core.endExpiredSessions()).toBe(0);
    expect(events.map((e) => e.reason)).toEqual(['logout']);
    expect(await core.authenticate({ userId: USER, sessionId: live.session.id })).toBe(true);
  });
});
