import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { createHttpServer } from '../src/http/http-server';

/**
 * The HTTP server's own answer to a request its parser refuses, when that request arrives on a connection
 * whose previous response is already being written: tests/hostile-requests.test.ts covers the answers on
 * a connection with nothing under way.
 */

describe('a malformed request pipelined behind a response that has begun', () => {
  it('closes the connection without splicing a 400 into the response under way', async () => {
    // Headers and a first part, then nothing: the response stays under way for as long as the test needs.
    const app = express().get('/half-sent', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '10' });
      res.write('first');
    });
    const server = createHttpServer(app, pino({ level: 'silent' }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const socket = net.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
      let received = '';
      const closed = once(socket, 'close');
      const headersAndFirstPart = new Promise<void>((resolve) => {
        socket.on('data', (chunk) => {
          received += chunk.toString('latin1');
          if (received.includes('\r\n\r\nfirst')) resolve();
        });
      });
      socket.write('GET /half-sent HTTP/1.1\r\nHost: x\r\n\r\n');
      await headersAndFirstPart;
      socket.write('HELLO THERE\r\n\r\n');
      await closed;
      expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(received.endsWith('\r\n\r\nfirst')).toBe(true);
      expect(received).not.toContain('HTTP/1.1 400');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
