import { describe, expect, it } from 'vitest';
import { readyPort, startChildServer } from '../../../../engine/cli/perf/child-server.js';

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
    const start = startChildServer({ name: 'broken', nodeArgs: ['-e', 'console.error("no model repository"); process.exit(3)'] });
    await expect(start).rejects.toThrow(/broken: exited with code 3 before listening\n.*no model repository/);
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
