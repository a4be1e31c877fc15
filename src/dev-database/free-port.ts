import net from 'node:net';

/**
 * A loopback port nothing listens on right now, for a process that cannot report the port it was given
 * (FerretDB, an API process a test starts). Another process may take it before the caller listens; the
 * caller's start-up then fails, which it reports.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
