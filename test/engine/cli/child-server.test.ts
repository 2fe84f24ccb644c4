import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { readyPort, startChildServer } from '../../../engine/cli/child-server.js';

describe('readyPort', () => {
  it('reads the port from the listener announcement only', () => {
    expect(readyPort('{"level":"info","msg":"Started HTTPService","port":8123}')).toBe(8123);
    expect(readyPort('{"msg":"Started GRPCService","port":8001}')).toBeUndefined();
    expect(readyPort('Started HTTPService port 1')).toBeUndefined();
    expect(readyPort('{"msg":"Started HTTPService","port":')).toBeUndefined();
  });
});

describe('startChildServer', () => {
  it('reports a child that exits before listening, with its output', async () => {
    const start = startChildServer({
      name: 'broken',
      nodeArgs: ['-e', 'console.error("no model repository"); process.exit(3)'],
    });
    await expect(start).rejects.toThrow(
      /broken: exited with code 3 before listening\n.*no model repository/,
    );
  });

  it('resolves with the announced port and stops the child', async () => {
    const code = `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () {
      console.log(JSON.stringify({ msg: 'Started HTTPService', port: this.address().port }));
    });`;
    const s = await startChildServer({ name: 'ok', nodeArgs: ['-e', code] });
    const res = await fetch(s.origin);
    expect(await res.text()).toBe('ok');
    await s.stop();
    await s.stop();
    await expect(fetch(s.origin)).rejects.toThrow();
  });
});

describe('startChildServer for tests that read the log', () => {
  const announce = (msg: string) =>
    // The handler comes before the announcement: a signal may follow it at once.
    `process.on('SIGTERM', () => { console.log(JSON.stringify({ msg: 'ignoring SIGTERM' })); });
    require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () {
      console.log('plain text first');
      console.log(JSON.stringify({ msg: '${msg}', port: this.address().port }));
    });`;

  it('waits for the given ready message, keeps every line, and escalates to SIGKILL after the grace', async () => {
    const clock = new SimulatedClock();
    const s = await startChildServer({
      name: 'grpc',
      nodeArgs: ['-e', announce('Started GRPCInferenceService')],
      readyMsg: 'Started GRPCInferenceService',
      keepLogs: true,
      killAfterMs: 5_000,
      clock,
    });
    expect(s.logs.slice(0, 2)).toEqual([
      { msg: 'plain text first' },
      { msg: 'Started GRPCInferenceService', port: s.port },
    ]);
    const ignored = new Promise<void>(resolve =>
      s.child.stdout!.on(
        'data',
        (c: Buffer) => c.toString().includes('ignoring SIGTERM') && resolve(),
      ),
    );
    const exited = s.stop();
    await ignored;
    expect(s.child.exitCode).toBeNull();
    clock.advance(5_000);
    expect(await exited).toBeNull();
    expect(s.child.signalCode).toBe('SIGKILL');
  });

  it('passes a signal of the caller’s choice and resolves with the exit code', async () => {
    const s = await startChildServer({
      name: 'exit',
      nodeArgs: [
        '-e',
        `${announce('Started HTTPService')}; process.on('SIGINT', () => process.exit(4));`,
      ],
    });
    expect(await s.stop('SIGINT')).toBe(4);
    expect(await s.stop()).toBe(4);
  });
});
