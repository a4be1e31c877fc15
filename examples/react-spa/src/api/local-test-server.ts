import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** For the unit tests: a real HTTP server on a free loopback port, playing the API's part. */
export abstract class LocalTestServer {
  private server: Server = createServer((req, res) => this.handle(req, res));

  protected abstract handle(req: IncomingMessage, res: ServerResponse): void;

  /** Listens, and resolves with the base URL. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
