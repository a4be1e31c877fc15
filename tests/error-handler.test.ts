import express from 'express';
import request from 'supertest';
import { createErrorHandler } from '../src/http/error-handler';
import { createLogger } from '../src/logger';

/**
 * What the database driver throws when the database goes away, as the one error handler answers it.
 * tests/database-restart-under-load.test.ts provokes these for real, but only now and then (they depend
 * on the moment the database dies); here each one is answered on purpose, through the real handler.
 */

/** A route of the document that may answer 503, failing with `error` as a handler would. */
function failingWith(error: Error) {
  return express()
    .get('/api/v1/users/me', () => {
      throw error;
    })
    .use(createErrorHandler(createLogger('silent')));
}

describe('errors of a database that has gone away', () => {
  it.each([
    ['EPIPE: a command written to a connection the server has just closed', 'This socket has been ended by the other party', 'EPIPE'],
    ['ECONNRESET', 'read ECONNRESET', 'ECONNRESET'],
    ['a write after the socket ended', 'write after end', 'ERR_STREAM_WRITE_AFTER_END'],
  ])('a raw socket error the driver lets through (%s) is a 503 with Retry-After, not a 500', async (_case, message, code) => {
    const res = await request(failingWith(Object.assign(new Error(message), { code }))).get('/api/v1/users/me');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toEqual({ success: false, code: 'SERVICE_UNAVAILABLE', message: expect.any(String) });
  });

  it('any other error is still a 500 that says nothing of itself', async () => {
    const res = await request(failingWith(Object.assign(new Error('boom at /src/x.ts:1'), { code: 'EBOOM' }))).get('/api/v1/users/me');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ success: false, code: 'INTERNAL_ERROR', message: 'An unexpected error occurred' });
  });
});
