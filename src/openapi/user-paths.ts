import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { changePasswordSchema } from '../users/user-schemas';
import { badNewPassword, csrfRejected, errorResponse, errors, jsonBodyErrors, passwordAttemptsLimited, serverErrors } from './error-responses';
import { currentUserSchema, passwordChangedSchema } from './response-schemas';
import { accessTokenAuth, json } from './openapi-parts';

/** The operations of src/users/user-routes.ts. */

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
      401: errorResponse('No valid access token of an active session', [errors.UNAUTHORIZED]),
      ...serverErrors,
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
      401: errorResponse('Not signed in, or the current password is wrong', [errors.UNAUTHORIZED, errors.WRONG_CURRENT_PASSWORD]),
      403: csrfRejected,
      ...jsonBodyErrors,
      429: passwordAttemptsLimited,
      ...serverErrors,
    },
  });
}
