/**
 * @module A child process that sends every handle it is sent straight back. Node cannot dup()
 * a file descriptor, but a handle passed over an IPC channel arrives as a new descriptor of
 * the same socket: each frontend thread needs one of its own (see dup-listener.ts).
 */
process.on('message', (msg, handle) => process.send?.(msg, handle as never));
process.on('disconnect', () => process.exit(0));
