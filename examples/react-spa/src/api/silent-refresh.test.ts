import type { IncomingMessage, ServerResponse } from 'node:http';
import axios, { type AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalTestServer } from './local-test-server';
import { installSilentRefresh } from './silent-refresh';

/**
 * The interceptor against a real HTTP server that plays the API's part: protected routes answer 401
 * until a refresh succeeds. Real axios, real sockets; the server only counts what it receives.
 */
class ScriptedApi extends LocalTestServer {
  accessTokenValid = false;
  /** renews: 200 and the token works; renews-nothing: 200 but the token still fails; fails: 401. */
  refreshOutcome: 'renews' | 'renews-nothing' | 'fails' = 'renews';
  requests: string[] = [];
  /** Requests to /held wait here until the test releases them. */
  private held: Array<() => void> = [];
  private heldArrivals: Array<() => void> = [];

  count(path: string): number {
    return this.requests.filter((request) => request === path).length;
  }

  /** Resolves once a request is waiting on /held. */
  nextHeldArrival(): Promise<void> {
    return new Promise((resolve) => this.heldArrivals.push(resolve));
  }

  releaseHeld(): void {
    this.held.splice(0).forEach((release) => release());
  }

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '';
    this.requests.push(path);
    const answer = (status: number) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ success: status < 400 }));
    if (path === '/auth/refresh') {
      // Answered on a later tick, so concurrent 401s really do overlap with the refresh.
      setImmediate(() => {
        if (this.refreshOutcome === 'renews') this.accessTokenValid = true;
        answer(this.refreshOutcome === 'fails' ? 401 : 200);
      });
      return;
    }
    if (path === '/auth/login') {
      answer(401);
      return;
    }
    if (path === '/users/me/wrong-password') {
      // The API's answer to a wrong password on a protected route: the token was fine, the password was not.
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({ success: false, code: 'INVALID_CREDENTIALS', message: 'Password is incorrect' }),
      );
      return;
    }
    if (path === '/held') {
      // Decides with the state it saw on arrival, as a server checking the token sent would.
      const validOnArrival = this.accessTokenValid;
      this.held.push(() => answer(validOnArrival ? 200 : 401));
      this.heldArrivals.splice(0).forEach((arrived) => arrived());
      return;
    }
    answer(this.accessTokenValid ? 200 : 401);
  }
}

describe('installSilentRefresh', () => {
  let server: ScriptedApi;
  let client: AxiosInstance;
  let sessionsEnded: number;

  beforeEach(async () => {
    server = new ScriptedApi();
    client = axios.create({ baseURL: await server.start() });
    sessionsEnded = 0;
    installSilentRefresh(client, {
      refresh: () => client.post('/auth/refresh'),
      onSessionEnded: () => {
        sessionsEnded += 1;
      },
    });
  });

  afterEach(async () => {
    server.releaseHeld();
    await server.stop();
  });

  it('refreshes once on a 401 and replays the request, which then succeeds', async () => {
    const response = await client.get('/users/me');
    expect(response.status).toBe(200);
    expect(server.requests).toEqual(['/users/me', '/auth/refresh', '/users/me']);
    expect(sessionsEnded).toBe(0);
  });

  it('shares one refresh among concurrent requests that all got a 401', async () => {
    const responses = await Promise.all([client.get('/users/me'), client.get('/auth/sessions'), client.get('/users/me')]);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(server.count('/auth/refresh')).toBe(1);
    expect(server.count('/users/me')).toBe(4);
    expect(server.count('/auth/sessions')).toBe(2);
  });

  it('ends the session once and rejects every waiting request with its 401 when the refresh fails', async () => {
    server.refreshOutcome = 'fails';
    const results = await Promise.allSettled([client.get('/users/me'), client.get('/auth/sessions')]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    for (const result of results) {
      expect(result.status === 'rejected' && axios.isAxiosError(result.reason) && result.reason.response?.status).toBe(401);
    }
    expect(server.count('/auth/refresh')).toBe(1);
    expect(sessionsEnded).toBe(1);
  });

  it('never refreshes on a 401 from the auth routes themselves', async () => {
    await expect(client.post('/auth/login', { email: 'a@example.com', password: 'wrong' })).rejects.toMatchObject({
      response: { status: 401 },
    });
    expect(server.count('/auth/refresh')).toBe(0);
    expect(sessionsEnded).toBe(0);
  });

  it('never refreshes on a 401 INVALID_CREDENTIALS: a replay would count the wrong password twice', async () => {
    server.accessTokenValid = true;
    await expect(client.delete('/users/me/wrong-password', { data: { password: 'wrong' } })).rejects.toMatchObject({
      response: { status: 401, data: { code: 'INVALID_CREDENTIALS' } },
    });
    expect(server.count('/users/me/wrong-password')).toBe(1);
    expect(server.count('/auth/refresh')).toBe(0);
    expect(sessionsEnded).toBe(0);
  });

  it('retries a request only once: a 401 after a successful refresh is final', async () => {
    server.refreshOutcome = 'renews-nothing';
    await expect(client.get('/users/me')).rejects.toMatchObject({ response: { status: 401 } });
    expect(server.count('/users/me')).toBe(2);
    expect(server.count('/auth/refresh')).toBe(1);
  });

  it('replays a request sent before a refresh finished without refreshing again', async () => {
    const heldArrived = server.nextHeldArrival();
    const sentWithOldToken = client.get('/held');
    await heldArrived;
    // Meanwhile another request refreshes the token.
    expect((await client.get('/users/me')).status).toBe(200);
    expect(server.count('/auth/refresh')).toBe(1);
    // Now the old request's 401 arrives: it is replayed with the new token, not refreshed a second time.
    const replayArrived = server.nextHeldArrival();
    server.releaseHeld();
    await replayArrived;
    server.releaseHeld();
    expect((await sentWithOldToken).status).toBe(200);
    expect(server.count('/auth/refresh')).toBe(1);
    expect(server.count('/held')).toBe(2);
  });

  it('does not refresh again for a request that was under way when the refresh failed', async () => {
    server.refreshOutcome = 'fails';
    const heldArrived = server.nextHeldArrival();
    const underWay = client.get('/held');
    await heldArrived;
    await expect(client.get('/users/me')).rejects.toMatchObject({ response: { status: 401 } });
    expect(sessionsEnded).toBe(1);
    server.releaseHeld();
    await expect(underWay).rejects.toMatchObject({ response: { status: 401 } });
    expect(server.count('/auth/refresh')).toBe(1);
    expect(sessionsEnded).toBe(1);
  });
});
