import { Schema, type Connection, type Model, type Types } from 'mongoose';

export interface UserDocument {
  _id: Types.ObjectId;
  email: string;
  passwordHash: string;
  name?: string;
  createdAt: Date;
  updatedAt: Date;
}

const userSchema = new Schema<UserDocument>(
  {
    email: { type: String, required: true },
    passwordHash: { type: String, required: true },
    name: { type: String },
  },
  { timestamps: true, collection: 'users', strict: 'throw' },
);

export type UserModel = Model<UserDocument>;

export function createUserModel(connection: Connection): UserModel {
  return connection.model<UserDocument>('User', userSchema);
}

/** The public shape of a user: never the hash. */
export function toPublicUser(user: Pick<UserDocument, '_id' | 'email' | 'name' | 'createdAt'>) {
  return { id: user._id.toString(), email: user.email, name: user.name ?? null, createdAt: user.createdAt.toISOString() };
}

export type PublicUser = ReturnType<typeof toPublicUser>;
