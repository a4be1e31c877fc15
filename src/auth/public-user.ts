import type { UserDocument } from '../db/user-model';

/** The public shape of a user: never the hash. */
export function toPublicUser(user: Pick<UserDocument, '_id' | 'email' | 'name' | 'createdAt'>) {
  return { id: user._id.toString(), email: user.email, name: user.name ?? null, createdAt: user.createdAt.toISOString() };
}

export type PublicUser = ReturnType<typeof toPublicUser>;
