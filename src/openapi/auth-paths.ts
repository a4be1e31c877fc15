import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { loginSchema, logoutQuerySchema, registerSchema, sessionIdParamsSchema } from '../auth/auth-schemas';
import { errors } from '../http/errors';
import {
  badJsonBody,
  badNewPassword,
  csrfRejected,
  errorResponse,
  jsonBodyErrors,
  passwordAttemptsLimited,
  rateLimited,
  revokingServerErrors,
  serverErrors,
  validationFailed,
} from './error-responses';
import { loggedOutSchema, refreshedSchema, sessionListSchema, sessionRevokedSchema, signedInSchema } from './response-schemas';
import { accessTokenAuth, anyAuth, authCookiesExpired, authCookiesSet, clearSiteData, json, refreshCookieAuth } from './openapi-parts';

/** The operations of src/auth/auth-routes.ts, with every status their controller and middleware can answer. */

const registerRequest = registerSchema.meta({
  id: 'RegisterRequest',
  example: { email: 'ada@example.com', password: 'correct horse battery staple', name: 'Ada Lovelace' },
});
const loginRequest = loginSchema.meta({
  id: 'LoginRequest',
  example: { email: 'ada@example.com', password: 'correct horse battery staple' },
});

const signedIn = (description: string): ResponseConfig => ({
  description,
  headers: {
    'Set-Cookie': {
      ...authCookiesSet,
      description:
        `${authCookiesSet.description}; and the device cookie (deviceToken, __Host-deviceToken with Secure cookies; Path=/; ` +
        'HttpOnly; one year): later sign-ins to this account from this browser count failures per device, not per account',
    },
  },
  content: json(signedInSchema),
});

const unauthorized = errorResponse(
  'No valid access token (Bearer header or accessToken cookie) of an active session, or more than 4 accessToken cookies',
  [errors.UNAUTHORIZED, errors.TOO_MANY_COOKIE_VALUES],
);

export function registerAuthPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/register',
    operationId: 'register',
    tags: ['auth'],
    summary: 'Create an account and sign in',
    description:
      'Starts a session: the tokens come back in the body and as HttpOnly cookies. A password known from data ' +
      'breaches is refused with 400 WEAK_PASSWORD.',
    security: [],
    request: { body: { required: true, content: { 'application/json': { schema: registerRequest } } } },
    responses: {
      201: signedIn('Account created and signed in'),
      400: badNewPassword,
      409: errorResponse('The email is already registered', [errors.EMAIL_TAKEN]),
      ...jsonBodyErrors,
      429: rateLimited,
      ...revokingServerErrors,
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/login',
    operationId: 'login',
    tags: ['auth'],
    summary: 'Sign in with email and password',
    description:
      'Every login is a new session (a device) of its own. Wrong passwords are limited per account and address, ' +
      'and per account from all addresses together; past a limit the password is not checked (429).',
    security: [],
    request: { body: { required: true, content: { 'application/json': { schema: loginRequest } } } },
    responses: {
      200: signedIn('Signed in'),
      400: badJsonBody,
      401: errorResponse('Unknown email or wrong password; the answer does not say which', [errors.INVALID_CREDENTIALS]),
      ...jsonBodyErrors,
      429: passwordAttemptsLimited,
      ...revokingServerErrors,
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/refresh',
    operationId: 'refresh',
    tags: ['auth'],
    summary: 'Rotate the refresh token and get a new access token',
    description:
      'Reads only the refreshToken cookie (send it as a Cookie header from scripts); any body is ignored. ' +
      'A refresh token presented again after its rotation grace period revokes the whole session. Two different ' +
      'refreshToken cookies in one request (one planted by another subdomain: cookie tossing) are refused, and every ' +
      'session they prove is logged out; the refresh cookie is then expired for the parent domains too, at every Path ' +
      'sent to this route, so that a planted copy goes with ours.',
    security: refreshCookieAuth,
    responses: {
      200: {
        description: 'A new access token; the refreshToken cookie is rotated too unless a concurrent request already rotated it',
        headers: { 'Set-Cookie': authCookiesSet },
        content: json(refreshedSchema),
      },
      401: errorResponse(
        'The refresh token is missing, malformed, expired, revoked or reused, or two different ones were sent, or more than 4 values ' +
          'of one auth cookie; both auth cookies are expired',
        [errors.REFRESH_MISSING, errors.REFRESH_INVALID, errors.REFRESH_AMBIGUOUS, errors.REFRESH_REUSED, errors.TOO_MANY_COOKIE_VALUES],
        { 'Set-Cookie': authCookiesExpired },
      ),
      403: csrfRejected,
      429: rateLimited,
      ...revokingServerErrors,
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/api/v1/auth/logout',
    operationId: 'logout',
    tags: ['auth'],
    summary: 'Log out this session, the other sessions, or all of them',
    description:
      'Accepts a Bearer token, the accessToken cookie, or the refreshToken cookie alone. With an Authorization header ' +
      'only the header counts. Without one, every value of each cookie is tried (up to 4 per name, so a planted cookie ' +
      'cannot hide the real one; more than 4 of one name are refused with 401) and every active session they prove is logged out; scope=others, which keeps one ' +
      'session, answers 401 when they prove more than one. scope=local and global expire both auth cookies first, so ' +
      'the browser is logged out even if the revocation fails; scope=others keeps the caller signed in. Any body is ignored.',
    security: anyAuth,
    request: { query: logoutQuerySchema },
    responses: {
      200: {
        description: 'Logged out; the sessions are revoked in the database and their tokens stop working at once',
        headers: {
          'Set-Cookie': { ...authCookiesExpired, required: false, description: 'Both auth cookies expired (not for scope=others)' },
          'Clear-Site-Data': { ...clearSiteData, description: `${clearSiteData.description}; not for scope=others` },
        },
        content: {
          'application/json': {
            schema: loggedOutSchema,
            examples: {
              local: { value: { success: true, message: 'Logged out successfully' } },
              others: { value: { success: true, message: 'Logged out of all other sessions', revokedSessions: 2 } },
              global: { value: { success: true, message: 'Logged out of all sessions', revokedSessions: 3 } },
            },
          },
        },
      },
      400: errorResponse('scope is not exactly one of local, others or global, or another query parameter was sent', [
        validationFailed([{ path: 'scope', message: 'Invalid option: expected one of "local"|"others"|"global"' }]),
      ]),
      401: errorResponse('No credentials of an active session, or more than 4 values of one auth cookie; both auth cookies are expired', [errors.UNAUTHORIZED, errors.TOO_MANY_COOKIE_VALUES], {
        'Set-Cookie': authCookiesExpired,
      }),
      403: csrfRejected,
      ...revokingServerErrors,
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/api/v1/auth/sessions',
    operationId: 'listSessions',
    tags: ['sessions'],
    summary: "List the caller's active sessions",
    security: accessTokenAuth,
    responses: {
      200: { description: 'Active sessions, the current one marked', content: json(sessionListSchema) },
      401: unauthorized,
      ...serverErrors,
    },
  });

  registry.registerPath({
    method: 'delete',
    path: '/api/v1/auth/sessions/{id}',
    operationId: 'revokeSession',
    tags: ['sessions'],
    summary: 'Revoke one of your sessions ("sign out that device")',
    description: "Another user's session answers 404 exactly like an unknown one. Revoking your own current session also expires your cookies.",
    security: accessTokenAuth,
    request: { params: sessionIdParamsSchema },
    responses: {
      200: {
        description: 'Session revoked',
        headers: {
          'Set-Cookie': { ...authCookiesExpired, required: false, description: 'Both auth cookies expired, when the revoked session is the caller\'s own' },
          'Clear-Site-Data': { ...clearSiteData, description: `${clearSiteData.description}; only when the revoked session is the caller's own` },
        },
        content: json(sessionRevokedSchema),
      },
      400: errorResponse('The id is not a session id, or the path cannot be decoded', [
        validationFailed([{ path: 'id', message: 'must be a session id' }]),
        errors.MALFORMED_URL,
      ]),
      401: unauthorized,
      403: csrfRejected,
      404: errorResponse('No active session of yours has this id', [errors.SESSION_NOT_FOUND]),
      ...revokingServerErrors,
    },
  });
}
