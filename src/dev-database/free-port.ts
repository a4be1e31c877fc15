import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * A loopback port nothing listens on right now, for a process that cannot report the port it was given
 * (FerretDB, an API process a test starts).
 *
 * It is picked below the kernel's ephemeral range when there is room there. A port from the ephemeral
 * range (what `listen(0)` gives) is free only until the kernel hands it to some client connection as its
 * local port, and a listener on it then fails with EADDRINUSE: that happened in CI, where dozens of
 * processes open connections at once. Ports below the range are never given out that way. Another process
 * may still take the port before the caller listens; the caller's start-up then fails, which it reports.
 */
export async function findFreePort(): Promise<number> {
  const below = portsBelowEphemeralRange();
  if (below) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = randomInt(below.from, below.to);
      if (handedOut.has(port)) continue;
      if ((await listenAndClose(port).catch(() => undefined)) !== undefined) {
        handedOut.add(port);
        return port;
      }
    }
  }
  return listenAndClose(0);
}

/** Ports this process handed out: two asked for in a row (a receiver's, then an API's) must differ. */
const handedOut = new Set<number>();

/** The lowest port of the kernel's ephemeral range (Linux), or undefined where it cannot be read. */
function ephemeralRangeStart(): number | undefined {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    const port = Number(low);
    return Number.isInteger(port) ? port : undefined;
  } catch {
    return undefined;
  }
}

/** [from, to): unprivileged ports from 10000 up to the ephemeral range, if that leaves a thousand. */
function portsBelowEphemeralRange(): { from: number; to: number } | undefined {
  const from = 10_000;
  const to = ephemeralRangeStart();
  return to !== undefined && to - from >= 1_000 ? { from, to } : undefined;
}

/** Listens on loopback `port` (0: any) and closes again: the port it had; rejects if it could not listen. */
function listenAndClose(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: listened } = server.address() as net.AddressInfo;
      server.close(() => resolve(listened));
    });
  });
}
