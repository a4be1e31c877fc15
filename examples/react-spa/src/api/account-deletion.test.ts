import type { IncomingMessage, ServerResponse } from 'node:http';
import axios, { type AxiosInstance } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeWait, requestAccountDeletion } from './account-deletion';
import { LocalTestServer } from './local-test-server';
import { installSilentRefresh } from './silent-refresh';

const PASSWORD = 'correct horse battery staple';

/**
 * A real HTTP server playing the API's DELETE /users/me and /auth/refresh, with the answers the contract
 * gives (docs/API.md, src/openapi/user-paths.ts). Real axios with the app's silent refresh; the server
 * records what it receives.
 */
class AccountApi extends LocalTestServer {
  accessTokenValid = true;
  refreshSucceeds = true;
  /** Set: the failed-password budget is spent, and the API answers 429 with this Retry-After. */
  retryAfter: string | undefined;
  csrfRejects = false;
  received: Array<{ method: string; path: string; body: string }> = [];

  count(method: string, path: string): number {
    return this.received.filter((request) => request.method === method && request.path === path).length;
  }

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      this.received.push({ method: req.method ?? '', path: req.url ?? '', body });
      const [status, answer, headers] = this.answer(req.url ?? '', body);
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(answer));
    });
  }

  private answer(path: string, body: string): [number, object, Record<string, string>?] {
    const refused = (code: string, message: string) => ({ success: false, code, message });
    if (path === '/auth/refresh') {
      if (!this.refreshSucceeds) return [401, refused('UNAUTHORIZED', 'Refresh token is invalid, expired or revoked')];
      this.accessTokenValid = true;
      return [200, { success: true }];
    }
    if (this.csrfRejects) return [403, refused('CSRF_REJECTED', 'Cross-origin request rejected')];
    if (!this.accessTokenValid) return [401, refused('UNAUTHORIZED', 'Authentication required')];
    if (this.retryAfter !== undefined) {
      return [429, refused('RATE_LIMITED', 'Too many requests; try again later'), { 'Retry-After': this.retryAfter }];
    }
    if ((JSON.parse(body) as { password?: string }).password !== PASSWORD) {
      return [401, refused('INVALID_CREDENTIALS', 'Password is incorrect')];
    }
    return [200, { success: true, message: 'Account deleted' }];
  }
}

describe('requestAccountDeletion', () => {
  let server: AccountApi;
  let client: AxiosInstance;
  let sessionsEnded: number;

  beforeEach(async () => {
    server = new AccountApi();
    client = axios.create({ baseURL: await server.start(), headers: { 'Content-Type': 'application/json' } });
    sessionsEnded = 0;
    installSilentRefresh(client, {
      refresh: () => client.post('/auth/refresh'),
      onSessionEnded: () => {
        sessionsEnded += 1;
      },
    });
  });

  afterEach(() => server.stop());

  it('sends DELETE /users/me with the password as JSON, and a 200 means the account is deleted', async () => {
    expect(await requestAccountDeletion(client, PASSWORD)).toEqual({ outcome: 'deleted' });
    expect(server.received).toEqual([{ method: 'DELETE', path: '/users/me', body: JSON.stringify({ password: PASSWORD }) }]);
  });

  it('reports a wrong password with the API\'s words, asked once and never refreshed', async () => {
    expect(await requestAccountDeletion(client, 'not my password')).toEqual({ outcome: 'wrong-password', message: 'Password is incorrect' });
    expect(server.count('DELETE', '/users/me')).toBe(1);
    expect(server.count('POST', '/auth/refresh')).toBe(0);
    expect(sessionsEnded).toBe(0);
  });

  it('says when to try again after too many wrong passwords, from Retry-After', async () => {
    server.retryAfter = '840';
    expect(await requestAccountDeletion(client, PASSWORD)).toEqual({
      outcome: 'rate-limited',
      message: 'Too many wrong passwords for this account. Try again in 14 minutes.',
    });
  });

  it('says "later" when the 429 carries no usable Retry-After', async () => {
    server.retryAfter = 'Wed, 21 Oct 2065 07:28:00 GMT';
    const result = await requestAccountDeletion(client, PASSWORD);
    expect(result).toEqual({ outcome: 'rate-limited', message: 'Too many wrong passwords for this account. Try again later.' });
  });

  it('refreshes an expired access token once and replays the deletion with the same password', async () => {
    server.accessTokenValid = false;
    expect(await requestAccountDeletion(client, PASSWORD)).toEqual({ outcome: 'deleted' });
    expect(server.received.map((request) => `${request.method} ${request.path}`)).toEqual([
      'DELETE /users/me',
      'POST /auth/refresh',
      'DELETE /users/me',
    ]);
    expect(server.received[2]!.body).toBe(JSON.stringify({ password: PASSWORD }));
  });

  it('reports the session as ended when the token is dead and the refresh is refused', async () => {
    server.accessTokenValid = false;
    server.refreshSucceeds = false;
    expect(await requestAccountDeletion(client, PASSWORD)).toEqual({ outcome: 'session-ended' });
    expect(sessionsEnded).toBe(1);
    expect(server.count('DELETE', '/users/me')).toBe(1);
  });

  it('reports any other refusal with the API\'s message, for example the CSRF check\'s 403', async () => {
    server.csrfRejects = true;
    expect(await requestAccountDeletion(client, PASSWORD)).toEqual({ outcome: 'failed', message: 'Cross-origin request rejected' });
  });

  it('reports an API that does not answer', async () => {
    const gone = new AccountApi();
    const offline = axios.create({ baseURL: await gone.start() });
    await gone.stop();
    expect(await requestAccountDeletion(offline, PASSWORD)).toEqual({ outcome: 'failed', message: 'The API cannot be reached. Is it running?' });
  });
});

describe('describeWait', () => {
  it.each([
    [undefined, 'later'],
    [1, 'in 1 second'],
    [45, 'in 45 seconds'],
    [60, 'in 1 minute'],
    [61, 'in 2 minutes'],
    [900, 'in 15 minutes'],
    [7199, 'in 120 minutes'],
    [7200, 'in 2 hours'],
    [86_400, 'in 24 hours'],
  ])('says %s seconds as "%s"', (seconds, said) => {
    expect(describeWait(seconds)).toBe(said);
  });
});
