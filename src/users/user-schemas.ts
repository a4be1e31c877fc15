import { z } from 'zod';
import { passwordSchema } from '../auth/auth-schemas';

export const changePasswordSchema = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: passwordSchema,
});

export const deleteAccountSchema = z.strictObject({
  password: z.string().min(1).max(256),
});
