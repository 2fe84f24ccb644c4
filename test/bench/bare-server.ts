/**
 * The bare `node:http` baselines of the benchmarks, run as a child process:
 * `tsx test/bench/bare-server.ts ok|echo`. `ok` answers every request with a fixed 2-byte body
 * (the load generator's ceiling); `echo` parses the JSON body and sends it back re-serialized
 * (the floor any JSON inference server pays). Like `braid serve`, it prints one JSON log line
 * with msg "Started HTTPService" and the bound `port` once listening.
 *
 * @module
 */
import http from 'node:http';
import { pathToFileURL } from 'node:url';

/** What the bare server does with each request. */
export type BareMode = 'ok' | 'echo';

const OK_BODY = Buffer.from('ok');

function handleOk(req: http.IncomingMessage, res: http.ServerResponse): void {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': OK_BODY.byteLength });
    res.end(OK_BODY);
  });
}

function handleEcho(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let out: Buffer;
    try {
      out = Buffer.from(JSON.stringify(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    } catch (e) {
      const body = JSON.stringify({ error: e instanceof Error ? e.message : String(e) });
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(body);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': out.byteLength });
    res.end(out);
  });
}

/**
 * Creates (but does not start) a bare server in the given mode.
 *
 * @example
 * createBareServer('echo').listen(0, '127.0.0.1');
 */
export function createBareServer(mode: BareMode): http.Server {
  const server = http.createServer(mode === 'ok' ? handleOk : handleEcho);
  server.keepAliveTimeout = 60_000;
  return server;
}

function main(): void {
  const mode = process.argv[2];
  if (mode !== 'ok' && mode !== 'echo') {
    process.stderr.write(`usage: bare-server.ts ok|echo (got '${mode ?? ''}')\n`);
    process.exit(2);
  }
  const server = createBareServer(mode);
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    process.stdout.write(JSON.stringify({ msg: 'Started HTTPService', mode, port }) + '\n');
  });
  process.once('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) main();
