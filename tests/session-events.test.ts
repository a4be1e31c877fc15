import { SignJWT, importJWK, type JWK } from 'jose';
import type { ApiProcess } from './support/api-process';
import { PASSWORD } from './support/auth-helpers';
import { eventsFor, SESSION_REVOKED, type ReceiverProcess, type ReceivedEvent } from './support/event-receiver-process';
import { findFreePort, ISSUER, receiverAudience, runSessionsCommand, startEventApi, startReceiverFor, testSigningKey } from './support/event-test-setup';
import { loginOn, refreshOn, registerOn, type ProcessSession } from './support/process-client';
import { processDatabase } from './support/process-database';

/**
 * Signed session-end events, through real processes: the API pushes to a receiver process that verifies
 * every SET against the API's JWKS with jose (tests/support/event-receiver.ts). For each way a session can
 * end today, exactly the expected SET arrives, once.
 */

const database = processDatabase();
let api: ApiProcess;
let receiver: ReceiverProcess;
let key: JWK;
let receiverPort: number;

beforeAll(async () => {
  key = await testSigningKey();
  receiverPort = await findFreePort();
  api = await startEventApi(database.uri, receiverPort, key, { SESSION_LIMIT_PER_USER: '3', REFRESH_REUSE_GRACE_SECONDS: '0' });
  receiver = await startReceiverFor(api, receiverPort);
}, 60_000);
afterAll(async () => {
  await Promise.all([api?.stop(), receiver?.stop()]);
  await database.drop();
});

async function call(method: string, path: string, session: ProcessSession, body?: unknown): Promise<number> {
  const res = await fetch(`${api.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${session.accessToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Waits until every listed session has its event, then returns them: exactly one each, once. */
async function expectEvents(userId: string, ended: string[], reason: string, initiatedBy: string): Promise<ReceivedEvent[]> {
  const received = await receiver.waitFor((r) => [...eventsFor(r, ended).values()].every((events) => events.length > 0));
  const ofUser = received.events.filter((event) => event.claims.sub_id.user.id === userId);
  expect(ofUser.map((event) => event.claims.sub_id.session.id).sort()).toEqual([...ended].sort());
  for (const event of ofUser) {
    expect(event.count).toBe(1);
    expect(event.header).toEqual({ alg: 'EdDSA', typ: 'secevent+jwt', kid: key.kid });
    expect(event.claims).toEqual({
      iss: ISSUER,
      aud: receiverAudience(receiverPort),
      iat: expect.any(Number),
      jti: expect.any(String),
      sub_id: { format: 'complex', user: { format: 'opaque', id: userId }, session: { format: 'opaque', id: event.claims.sub_id.session.id } },
      events: { [SESSION_REVOKED]: { event_timestamp: expect.any(Number), initiating_entity: initiatedBy, reason_admin: { en: reason } } },
    });
    const timestamp = event.claims.events[SESSION_REVOKED]!.event_timestamp;
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(120);
  }
  return ofUser;
}

const userIdOf = (session: ProcessSession) =>
  (JSON.parse(Buffer.from(session.accessToken.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;

describe('one SET per ended session, for every reason a session ends today', () => {
  it('logout (local): the session logged out, initiated by the user', async () => {
    const laptop = await registerOn(api);
    const phone = await loginOn(api, laptop.email);
    expect(await call('POST', '/auth/logout?scope=local', laptop)).toBe(200);
    await expectEvents(userIdOf(laptop), [laptop.sessionId], 'logout', 'user');
    expect(phone.sessionId).not.toBe(laptop.sessionId);
  });

  it('logout_others: every other session, not the caller’s', async () => {
    const laptop = await registerOn(api);
    const phone = await loginOn(api, laptop.email);
    const tablet = await loginOn(api, laptop.email);
    expect(await call('POST', '/auth/logout?scope=others', laptop)).toBe(200);
    await expectEvents(userIdOf(laptop), [phone.sessionId, tablet.sessionId], 'logout_others', 'user');
  });

  it('logout_global: all of the user’s sessions', async () => {
    const laptop = await registerOn(api);
    const phone = await loginOn(api, laptop.email);
    expect(await call('POST', '/auth/logout?scope=global', laptop)).toBe(200);
    await expectEvents(userIdOf(laptop), [laptop.sessionId, phone.sessionId], 'logout_global', 'user');
  });

  it('session_deleted: DELETE /auth/sessions/:id ends that one', async () => {
    const laptop = await registerOn(api);
    const phone = await loginOn(api, laptop.email);
    expect(await call('DELETE', `/auth/sessions/${phone.sessionId}`, laptop)).toBe(200);
    await expectEvents(userIdOf(laptop), [phone.sessionId], 'session_deleted', 'user');
  });

  it('password_changed: the other sessions end', async () => {
    const laptop = await registerOn(api);
    const phone = await loginOn(api, laptop.email);
    const status = await call('POST', '/users/me/password', laptop, { currentPassword: PASSWORD, newPassword: `${PASSWORD} again, longer` });
    expect(status).toBe(200);
    await expectEvents(userIdOf(laptop), [phone.sessionId], 'password_changed', 'user');
  });

  it('account_deleted: every session of the account, initiated by the user', async () => {
    const laptop = await registerOn(api);
    const phone = await loginOn(api, laptop.email);
    expect(await call('DELETE', '/users/me', laptop, { password: PASSWORD })).toBe(200);
    await expectEvents(userIdOf(laptop), [laptop.sessionId, phone.sessionId], 'account_deleted', 'user');
  });

  it('session_limit: a sign-in beyond the limit (3 here) ends the least recently used, by policy', async () => {
    const first = await registerOn(api);
    await loginOn(api, first.email);
    await loginOn(api, first.email);
    await loginOn(api, first.email);
    await expectEvents(userIdOf(first), [first.sessionId], 'session_limit', 'policy');
  });

  it('refresh_reuse: a replayed refresh token ends its session, initiated by the system', async () => {
    const session = await registerOn(api);
    expect((await refreshOn(api, session.refreshToken)).status).toBe(200);
    expect(await refreshOn(api, session.refreshToken)).toMatchObject({ status: 401, code: 'REFRESH_TOKEN_REUSED' });
    await expectEvents(userIdOf(session), [session.sessionId], 'refresh_reuse', 'system');
  });

  it('admin_revoked: npm run sessions -- revoke, initiated by an admin', async () => {
    const laptop = await registerOn(api);
    const phone = await loginOn(api, laptop.email);
    const { code, stderr } = await runSessionsCommand(['revoke', laptop.email, '--session', phone.sessionId], { MONGODB_URI: database.uri, SESSION_EVENT_RECEIVERS: receiver.eventsUrl });
    expect({ code, stderr: stderr.split('\n').filter((line) => /error|warn/i.test(line)) }).toEqual({ code: 0, stderr: [] });
    await expectEvents(userIdOf(laptop), [phone.sessionId], 'admin_revoked', 'admin');
  });
});

describe('a SET that is forged or altered fails the receiver’s verification', () => {
  async function signedWith(jwk: JWK, claims: Record<string, unknown>, typ = 'secevent+jwt') {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ, kid: key.kid })
      .setIssuer(ISSUER)
      .setAudience(receiverAudience(receiverPort))
      .setIssuedAt()
      .setJti(`test-${Math.random()}`)
      .sign(await importJWK(jwk, 'EdDSA'));
  }
  const claims = (sessionId: string) => ({
    sub_id: { format: 'complex', user: { format: 'opaque', id: 'u1' }, session: { format: 'opaque', id: sessionId } },
    events: { [SESSION_REVOKED]: { event_timestamp: 1, initiating_entity: 'user', reason_admin: { en: 'logout' } } },
  });
  const push = async (token: string) => {
    const res = await fetch(receiver.eventsUrl, { method: 'POST', headers: { 'Content-Type': 'application/secevent+jwt' }, body: token });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as unknown };
  };

  it('the genuine key’s SET is accepted (the control), one with a claim altered after signing is refused', async () => {
    const genuine = await signedWith(key, claims('genuine-session'));
    expect((await push(genuine)).status).toBe(202);
    const [header, payload, signature] = genuine.split('.');
    const altered = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as ReturnType<typeof claims>;
    altered.sub_id.session.id = 'someone-elses-session';
    const tampered = `${header}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`;
    expect(await push(tampered)).toEqual({ status: 400, body: { err: 'invalid_key', description: expect.any(String) } });
    const { events } = await receiver.received();
    expect(events.some((event) => event.claims.sub_id.session.id === 'someone-elses-session')).toBe(false);
  });

  it('a SET signed with another key under the same kid is refused', async () => {
    const forger = await testSigningKey(key.kid);
    expect(await push(await signedWith(forger, claims('forged-session')))).toEqual({ status: 400, body: { err: 'invalid_key', description: expect.any(String) } });
  });

  it('a genuinely signed JWT that is not a SET (typ) is refused', async () => {
    expect((await push(await signedWith(key, claims('not-a-set'), 'JWT'))).status).toBe(400);
  });
});
