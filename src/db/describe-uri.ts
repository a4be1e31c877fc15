/**
 * A MongoDB connection string fit to print: scheme, hosts and database only. The user and password go,
 * and so does the query, whose options can carry secrets too (a TLS key password, AWS session tokens).
 * Written by hand because `new URL` refuses the comma-separated host lists of replica sets.
 */
export function describeMongoUri(uri: string): string {
  const scheme = /^mongodb(\+srv)?:\/\//.exec(uri)?.[0];
  if (!scheme) return '(not a mongodb:// connection string)';
  const withoutQuery = uri.slice(scheme.length).split('?')[0]!;
  // A password may hold an encoded '@' (%40) but never a bare one: the last '@' ends the credentials.
  const hostsAndPath = withoutQuery.slice(withoutQuery.lastIndexOf('@') + 1);
  return `${scheme}${hostsAndPath}`;
}
