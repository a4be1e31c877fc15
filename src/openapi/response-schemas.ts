import { EMAIL_ADDRESS_PATTERN } from '../auth/auth-schemas';
import { LOWER_CASE_OBJECT_ID_PATTERN } from '../db/object-id';
import { z } from 'zod';

/**
 * The bodies the API answers with, as zod schemas. The OpenAPI document is generated from these, and the
 * test suite validates every response it receives against that document. Objects are strict, so a field
 * a controller starts sending without being described here fails the suite instead of drifting silently.
 */

// Ids are sent as ObjectId#toHexString writes them; requests may name them in either case (src/db/object-id.ts).
const objectId = z.string().regex(LOWER_CASE_OBJECT_ID_PATTERN).meta({ example: '6650f1c2b9d3e4a012345678' });
const timestamp = z.iso.datetime().meta({ example: '2026-11-22T11:44:38.123Z' });
const jwt = z
  .string()
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
  .meta({ description: 'An HS256 JWT; also set as the accessToken cookie' });
const expiresIn = z.number().int().positive().meta({ description: 'Lifetime of the access token in seconds', example: 900 });
const exampleUser = { id: '6650f1c2b9d3e4a012345678', email: 'ada@example.com', name: 'Ada Lovelace', createdAt: '2026-11-22T11:44:38.123Z' };
const exampleToken = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzaWQiOiI2NjUwZjFjMmI5ZDNlNGEwMTIzNDU2NzgifQ.c2lnbmF0dXJl';
const exampleSession = {
  id: '6650f1c2b9d3e4a012345679',
  current: true,
  createdAt: '2026-11-22T11:44:38.123Z',
  lastUsedAt: '2026-11-22T11:59:02.456Z',
  expiresAt: '2026-11-29T11:59:02.456Z',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
  ip: '127.0.0.1',
};
const revokedSessions = z.number().int().min(0).meta({ description: 'How many sessions this call revoked', example: 2 });

export const publicUserSchema = z
  .strictObject({
    id: objectId,
    // What registration accepted (its address rule, trimmed and lower-cased), not `format: email`, whose
    // checkers add rules of their own (a local part of at most 64 characters, for one).
    email: z.string().regex(EMAIL_ADDRESS_PATTERN).meta({ example: 'ada@example.com' }),
    name: z.string().nullable().meta({ example: 'Ada Lovelace' }),
    createdAt: timestamp,
  })
  .meta({ id: 'User', example: exampleUser });

export const signedInSchema = z
  .strictObject({ success: z.literal(true), user: publicUserSchema, accessToken: jwt, expiresIn })
  .meta({
    id: 'SignedIn',
    description: 'A new session: its tokens are also set as HttpOnly cookies.',
    example: { success: true, user: exampleUser, accessToken: exampleToken, expiresIn: 900 },
  });

export const refreshedSchema = z
  .strictObject({ success: z.literal(true), accessToken: jwt, expiresIn })
  .meta({ id: 'Refreshed', example: { success: true, accessToken: exampleToken, expiresIn: 900 } });

export const loggedOutSchema = z
  .union([
    z.strictObject({ success: z.literal(true), message: z.literal('Logged out successfully') }),
    z.strictObject({
      success: z.literal(true),
      message: z.enum(['Logged out of all sessions', 'Logged out of all other sessions']),
      revokedSessions,
    }),
  ])
  .meta({ id: 'LoggedOut', description: 'scope=local answers without a count; others and global say how many sessions ended.' });

export const sessionSchema = z
  .strictObject({
    id: objectId,
    current: z.boolean().meta({ description: 'True for the session of the credentials that made this request' }),
    createdAt: timestamp,
    lastUsedAt: timestamp,
    expiresAt: timestamp,
    userAgent: z.string().meta({ example: 'Mozilla/5.0 (X11; Linux x86_64)' }),
    ip: z.string().meta({ example: '127.0.0.1' }),
  })
  .meta({ id: 'Session', example: exampleSession });

export const sessionListSchema = z
  .strictObject({ success: z.literal(true), sessions: z.array(sessionSchema) })
  .meta({
    id: 'SessionList',
    example: { success: true, sessions: [exampleSession, { ...exampleSession, id: '6650f1c2b9d3e4a01234567a', current: false, userAgent: 'curl/8.5.0' }] },
  });

export const sessionRevokedSchema = z
  .strictObject({ success: z.literal(true), message: z.literal('Session revoked') })
  .meta({ id: 'SessionRevoked', example: { success: true, message: 'Session revoked' } });

export const accountDeletedSchema = z
  .strictObject({ success: z.literal(true), message: z.literal('Account deleted') })
  .meta({ id: 'AccountDeleted', example: { success: true, message: 'Account deleted' } });

export const currentUserSchema = z
  .strictObject({ success: z.literal(true), user: publicUserSchema })
  .meta({ id: 'CurrentUser', example: { success: true, user: exampleUser } });

export const passwordChangedSchema = z
  .strictObject({
    success: z.literal(true),
    message: z.literal('Password changed; other sessions have been signed out'),
    revokedSessions,
  })
  .meta({
    id: 'PasswordChanged',
    example: { success: true, message: 'Password changed; other sessions have been signed out', revokedSessions: 2 },
  });

export const healthSchema = z
  .strictObject({ success: z.literal(true), status: z.literal('ok') })
  .meta({ id: 'Health', example: { success: true, status: 'ok' } });

export const readySchema = z
  .strictObject({ success: z.literal(true), status: z.literal('ready') })
  .meta({ id: 'Ready', example: { success: true, status: 'ready' } });


/** The generated document itself is described loosely: its own schema is the OpenAPI 3.1 specification. */
export const openApiDocumentSchema = z
  .looseObject({ openapi: z.string().regex(/^3\.1\.\d+$/), info: z.looseObject({}), paths: z.looseObject({}) })
  .meta({ id: 'OpenApiDocument' });
