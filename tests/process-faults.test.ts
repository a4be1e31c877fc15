import { EventEmitter } from 'node:events';
import { createLogger } from '../src/logger';
import { logProcessFaults } from '../src/process-faults';

/**
 * The handlers server.ts installs on `process`, installed here on an emitter of their own (emitting
 * 'uncaughtException' on the real process would end the test run). The log is pino's real output.
 */
function setUp() {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
  const proc = new EventEmitter();
  let stops = 0;
  logProcessFaults(proc as unknown as NodeJS.Process, logger, () => void stops++);
  return { proc, stops: () => stops, entries: () => lines.map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string; stack: string } }) };
}

describe('faults outside any request', () => {
  it('an unhandled rejection is logged with its error and stack, and the process carries on', () => {
    const { proc, stops, entries } = setUp();
    proc.emit('unhandledRejection', new Error('a promise nobody awaited'), Promise.resolve());
    expect(entries()).toEqual([
      expect.objectContaining({ level: 50, msg: 'unhandled promise rejection', err: expect.objectContaining({ message: 'a promise nobody awaited', stack: expect.stringContaining('Error') }) }),
    ]);
    expect(stops()).toBe(0);
  });

  it('an uncaught exception is logged as fatal and starts a graceful stop', () => {
    const { proc, stops, entries } = setUp();
    proc.emit('uncaughtException', new TypeError('state is now unknown'));
    expect(entries()).toEqual([
      expect.objectContaining({ level: 60, msg: 'uncaught exception: shutting down', err: expect.objectContaining({ message: 'state is now unknown' }) }),
    ]);
    expect(stops()).toBe(1);
  });
});
