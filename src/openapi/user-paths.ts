import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { errors } from '../http/errors';
import { changePasswordSchema, deleteAccountSchema } from '../users/user-schemas';
import {
  badJsonBody,
  badNewPassword,
  csrfRejected,
  errorResponse,
  jsonBodyErrors,
  passwordAttemptsLimited,
  revokingServerErrors,
  serverErrors,
} from './error-responses';
import { accountDeletedSchema, currentUserSchema, passwordChangedSchema } from './response-schemas';
import { accessTokenAuth, authCookiesExpired, clearSiteData, json } from './openapi-parts';

/** The operations of src/users/user-routes.ts. */

const deleteAccountRequest = deleteAccountSchema.meta({ id: 'DeleteAccountRequest', example: { password: 'correct horse battery staple' } });

const changePasswordRequest = changePasswordSchema.meta({
  id: 'ChangePasswordRequest',
  example: { currentPassword: 'correct horse battery staple', newPassword: 'a new and longer passphrase' },
});

export function registerUserPaths(registry: OpenAPIRegistry): void {
  registry.registerPath({
    method: 'get',
    path: '/api/v1/users/me',
    operationId: 'getCurrentUser',
    tags: ['users'],
    summary: 'The signed-in user',
    security: accessTokenAuth,
    responses: {
      200: { description: 'The user of the session', content: json(currentUserSchema) },
      401: errorResponse('No valid access token of an active session', [errors.UNAUTHORIZED, errors.TOO_MANY_COOKIE_VALUES]),
      ...serverErrors,
    },
  });

  registry.registerPath({
    method: 'delete',
    path: '/api/v1/users/me',
    operationId: 'deleteAccount',
    tags: ['users'],
    summary: 'Delete the account, after checking its password',
    description:
      'Revokes every session of the user (on every instance before it answers), deletes the user and its sessions, ' +
      'and expires both cookies. Afterwards the old tokens get 401, the old credentials INVALID_CREDENTIALS, and the email can register again. ' +
      'A wrong password counts against the same per-account failure limits as a failed login.',
    security: accessTokenAuth,
    request: { body: { required: true, content: { 'application/json': { schema: deleteAccountRequest } } } },
    responses: {
      200: {
        description: 'Account deleted',
        headers: { 'Set-Cookie': authCookiesExpired, 'Clear-Site-Data': clearSiteData },
        content: json(accountDeletedSchema),
      },
      400: badJsonBody,
      401: errorResponse('Not signed in (both cookies are then expired), or the password is wrong', [errors.UNAUTHORIZED, errors.TOO_MANY_COOKIE_VALUES, errors.WRONG_PASSWORD]),
      403: csrfRejected,
      ...jsonBodyErrors,
      429: passwordAttemptsLimited,
      ...revokingServerErrors,
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/api/v1/users/me/password',
    operationId: 'changePassword',
    tags: ['users'],
    summary: 'Change the password and sign every other session out',
    description:
      "The caller's own session stays signed in; every other session is revoked. A wrong current password counts " +
      'against the same per-account failure limits as a failed login. A new password known from data breaches is refused.',
    security: accessTokenAuth,
    request: { body: { required: true, content: { 'application/json': { schema: changePasswordRequest } } } },
    responses: {
      200: { description: 'Password changed', content: json(passwordChangedSchema) },
      400: badNewPassword,
      401: errorResponse('Not signed in, or the current password is wrong', [errors.UNAUTHORIZED, errors.TOO_MANY_COOKIE_VALUES, errors.WRONG_CURRENT_PASSWORD]),
      403: csrfRejected,
      ...jsonBodyErrors,
      429: passwordAttemptsLimited,
      ...revokingServerErrors,
    },
  });
}
