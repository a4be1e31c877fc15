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
