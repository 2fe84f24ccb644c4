/**
 * @module The entry of a frontend thread: HTTP parsing and the infer codec on a core of their
 * own, serving the same app as the engine thread over a link to the engine. JSON and binary
 * infer requests are decoded and encoded here; every other request is forwarded whole.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HttpBindings } from '@hono/node-server';
import { createApp } from '../app.js';
import { listen } from '../listen.js';
import type { HttpServerHandle } from '../listen.js';
import { EngineLink } from './engine-link.js';
import type { ControlMessage } from './engine-link.js';
import { forwardingApp, servedHere } from './forward.js';
import type { FrontendData } from './protocol.js';
import {
  LoggingCopy,
  RemoteEngine,
  remoteLogger,
  remoteMetrics,
  RemoteTracer,
} from './remote-engine.js';

const data = workerData as FrontendData;
if (!parentPort) throw new Error('frontend-thread.js runs as a worker thread');
const port = parentPort;
let draining = false;
const logging = data.logging ? new LoggingCopy(data.logging) : undefined;
const link = new EngineLink(port, msg => void control(msg));
const logger = remoteLogger(link);
const tracer = new RemoteTracer(link, data.tracing);
const infer = createApp(new RemoteEngine(link), {
  maxInputSize: data.maxInputSize,
  logger,
  isDraining: () => draining,
  tracer,
  ...(data.metrics ? { metrics: remoteMetrics(link) } : {}),
  ...(logging ? { logging } : {}),
  ...(data.restrictedApis ? { restrictedApis: data.restrictedApis } : {}),
});
const forward = forwardingApp(link, data.maxInputSize, logger.child({ component: 'http' }));

// Control messages come only after 'listening', once `http` is set.
const http: HttpServerHandle = await listen(
  {
    fetch: (req, env) =>
      servedHere((env as HttpBindings).incoming) ? infer.fetch(req, env) : forward.fetch(req, env),
  },
  {
    port: 0,
    fd: data.fd,
    host: data.host,
    ...(data.tls ? { tls: tlsOf(data.tls) } : {}),
    ...(data.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: data.headersTimeoutMs }),
    ...(data.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: data.requestTimeoutMs }),
  },
);
link.send({ t: 'listening', port: http.port });

async function control(msg: ControlMessage): Promise<void> {
  switch (msg.t) {
    case 'drain':
      draining = true;
      return;
    case 'logging':
      logging?.set(msg.settings);
      return;
    case 'tracing':
      tracer.on = msg.on;
      return;
    case 'settled':
      await http.settled();
      link.send({ t: 'settled', seq: msg.seq });
      return;
    case 'close':
      await http.close(msg.graceMs);
      link.send({ t: 'closed' });
      port.close();
  }
}

/** Certificates arrive as plain bytes; TLS wants Buffers. */
function tlsOf(tls: NonNullable<FrontendData['tls']>): NonNullable<FrontendData['tls']> {
  return {
    cert: Buffer.from(tls.cert),
    key: Buffer.from(tls.key),
    ...(tls.ca ? { ca: Buffer.from(tls.ca) } : {}),
    requireClientCert: tls.requireClientCert,
  };
}
