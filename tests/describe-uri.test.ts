import { describeMongoUri } from '../src/db/describe-uri';

describe('describeMongoUri: a connection string fit to print', () => {
  it.each([
    ['mongodb://127.0.0.1:27017/auth', 'mongodb://127.0.0.1:27017/auth'],
    ['mongodb://admin:s3cret@db.internal:27017/auth', 'mongodb://db.internal:27017/auth'],
    ['mongodb+srv://app:p%40ss@cluster0.example.net/auth?retryWrites=true&w=majority', 'mongodb+srv://cluster0.example.net/auth'],
    ['mongodb://u:pw@a.example:27017,b.example:27017/auth?replicaSet=rs0&tlsCertificateKeyFilePassword=hunter2', 'mongodb://a.example:27017,b.example:27017/auth'],
    ['mongodb://only-user@host', 'mongodb://host'],
  ])('%s → %s', (uri, printed) => {
    expect(describeMongoUri(uri)).toBe(printed);
  });

  it('prints nothing of a string that is not a MongoDB URI', () => {
    expect(describeMongoUri('postgres://u:pw@host/db')).toBe('(not a mongodb:// connection string)');
  });
});
