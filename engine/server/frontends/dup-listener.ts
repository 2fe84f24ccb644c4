/**
 * @module One listening TCP socket with a file descriptor per frontend thread. Threads of one
 * process cannot share a port through SO_REUSEPORT on Node 20, and two threads polling the same
 * descriptor number break as soon as one closes it (libuv asserts in uv__server_io). Each thread
 * therefore listens on its own duplicate of the socket, and the kernel hands each connection to
 * one of them.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { EngineError } from '../../core/errors.js';

/** A bound, listening socket and its duplicate descriptors. */
export interface DupListener {
  readonly port: number;
  /** One descriptor per frontend; each thread closes its own when it stops listening. */
  readonly fds: readonly number[];
}

/**
 * The handles behind the duplicates. They are never closed here (their descriptor belongs to
 * a frontend thread from now on, and closing it twice could close an unrelated descriptor that
 * reused the number), only kept from the garbage collector.
 */
const kept: unknown[] = [];

/**
 * Binds `host:port` and returns `count` duplicate descriptors of the listening socket. The
 * bound server itself is closed: the engine thread accepts no connections.
 *
 * @example
 * const { port, fds } = await dupListener({ port: 8000, host: '0.0.0.0', count: 4 });
 */
export async function dupListener(opts: {
  port: number;
  host: string;
  count: number;
}): Promise<DupListener> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  try {
    const fds = await duplicate(server, opts.count);
    return { port: (server.address() as AddressInfo).port, fds };
  } finally {
    server.close();
  }
}

async function duplicate(server: Server, count: number): Promise<number[]> {
  const child = fork(fileURLToPath(new URL('./handle-echo.js', import.meta.url)), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const handle = (server as unknown as { _handle: unknown })._handle;
  try {
    return await new Promise<number[]>((resolve, reject) => {
      const fds: number[] = [];
      child.once('error', reject);
      child.once('exit', code =>
        reject(
          new EngineError('INTERNAL', `the listening socket could not be shared (exit ${code})`),
        ),
      );
      child.on('message', (_msg, dup) => {
        kept.push(dup);
        fds.push((dup as unknown as { fd: number }).fd);
        if (fds.length === count) resolve(fds);
      });
      for (let i = 0; i < count; i++) child.send('dup', handle as never);
    });
  } finally {
    child.removeAllListeners('exit');
    child.disconnect();
  }
}
