/**
 * @module
 * Serving the app on a Node HTTP server, with a graceful close that lets in-flight requests
 * finish within a grace period.
 */
import type { Server, ServerOptions } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Server as NetServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createAdaptorServer } from '@hono/node-server';
import type { HttpBindings } from '@hono/node-server';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { InFlight } from './drain.js';
import type { BraidApp } from './routing.js';
import { httpsServerOptions } from './tls.js';
import type { ServerTls } from './tls.js';

/** Options of {@link listen}. */
export interface ListenOptions {
  /** Port to bind; 0 picks a free one (read it back from {@link HttpServerHandle.port}). */
  readonly port: number;
  /**
   * Accept on this already-listening socket descriptor instead of binding `port` (a frontend
   * thread's duplicate of the shared socket).
   */
  readonly fd?: number;
  /** Interface to bind. Default `0.0.0.0`. */
  readonly host?: string;
  /** Time source for the close grace period. Default the system clock. */
  readonly clock?: Clock;
  /** Serve HTTPS with these certificates (`--http-use-ssl`). Default: plain HTTP. */
  readonly tls?: ServerTls;
  /**
   * Longest wait for a request's headers, in ms; 0 for no limit. A client still sending them
   * then gets 408 and the connection closes. Default {@link DEFAULT_HEADERS_TIMEOUT_MS}.
   */
  readonly headersTimeoutMs?: number;
  /**
   * Longest wait for a whole request, headers and body, in ms; 0 for no limit. It bounds a
   * body that stalls or trickles in; the time taken to answer is not counted. At least
   * `headersTimeoutMs` when both are set. Default {@link DEFAULT_REQUEST_TIMEOUT_MS}.
   */
  readonly requestTimeoutMs?: number;
}

/** A listening HTTP server. */
export interface HttpServerHandle {
  /** The port actually bound. */
  readonly port: number;
  readonly host: string;
  /**
   * Resolves once every request received so far has been answered (or its connection closed),
   * while the server goes on accepting connections and serving requests: the wait of a drain.
   */
  settled(): Promise<void>;
  /**
   * Stops accepting connections and closes idle keep-alive sockets at once; sockets serving a
   * request close when their response is sent. Sockets still busy after `graceMs` are
   * destroyed. Resolves when every socket is closed. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

/** Grace period of {@link HttpServerHandle.close} when none is given. */
export const DEFAULT_CLOSE_GRACE_MS = 5_000;

/** Default of {@link ListenOptions.headersTimeoutMs}; Node's own is 60 s. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;

/** Default of {@link ListenOptions.requestTimeoutMs}; Node's own is 300 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Serves `app` over HTTP/1.1 (HTTPS with `tls`) and resolves once the port is bound.
 *
 * @example
 * const server = await listen(createApp(engine), { port: 8000 });
 * process.on('SIGTERM', () => void server.close(10_000));
 */
export function listen(
  app: Pick<BraidApp, 'fetch'>,
  opts: ListenOptions,
): Promise<HttpServerHandle> {
  const host = opts.host ?? '0.0.0.0';
  const tracker = new ConnectionTracker();
  const server = createAdaptorServer({
    serverOptions: { ...timeoutOptions(opts), ...(opts.tls ? httpsServerOptions(opts.tls) : {}) },
    // The URL a request without a Host header is routed by (routes match on the path alone).
    hostname: 'localhost',
    fetch: (req, env) => {
      // createAdaptorServer without http2 options builds an HTTP/1.1 server.
      tracker.requestStarted(env as HttpBindings);
      return app.fetch(req, env);
    },
    ...(opts.tls ? { createServer: createHttpsServer } : {}),
  }) as Server;
  answerHalfClosedRequests(server);
  if (opts.tls) {
    // Requests arrive on the TLS socket; its TCP socket is only watched until the handshake ends.
    server.on('connection', (socket: Socket) => tracker.addHandshaking(socket));
    server.on('secureConnection', (socket: TLSSocket) => tracker.secured(socket));
  } else {
    server.on('connection', (socket: Socket) => tracker.add(socket));
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const bound = (): void => {
      server.off('error', reject);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : opts.port;
      resolve({
        port,
        host,
        settled: () => tracker.settled(),
        close: onceClose(server, tracker, opts.clock ?? systemClock),
      });
    };
    if (opts.fd === undefined) server.listen(opts.port, host, bound);
    else server.listen({ fd: opts.fd }, bound);
  });
}

/**
 * Node's request timeouts, and how often it checks them: by default every 30 s, which would let
 * a 10 s limit run to 40 s. A quarter of the shorter limit, at most a second, keeps the overrun
 * small; each check only walks the connections still receiving a request.
 */
function timeoutOptions(opts: ListenOptions): ServerOptions {
  const headersTimeout = opts.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const requestTimeout = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const limits = [headersTimeout, requestTimeout].filter(ms => ms > 0);
  const connectionsCheckingInterval = Math.max(
    1,
    Math.min(1_000, Math.floor(Math.min(...limits, 4_000) / 4)),
  );
  // Node answers 400 to an HTTP/1.1 request without Host; Triton does not, and the default health
  // checks of load balancers (haproxy's `option httpchk`) send none.
  return { headersTimeout, requestTimeout, connectionsCheckingInterval, requireHostHeader: false };
}

/**
 * A client's FIN after a whole request means "nothing more to send" (`nc -N`, shutdown(SHUT_WR)),
 * so the request is answered and the connection closed after it (issue #10 item 9). Node's
 * default treats the FIN as an abort and ends the socket, so the answer is never written.
 * `httpAllowHalfOpen` is the http.Server field behind that choice (lib/_http_server.js
 * socketOnEnd); it has no constructor option. A FIN before the request is whole is still a
 * parse error and closes the connection. A client that closes its socket sends the same FIN;
 * its request is cancelled when the connection resets (RST), at the latest when the answer is
 * written.
 */
function answerHalfClosedRequests(server: Server): void {
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
}

function onceClose(
  server: Server,
  tracker: ConnectionTracker,
  clock: Clock,
): (graceMs?: number) => Promise<void> {
  let closing: Promise<void> | undefined;
  return (graceMs = DEFAULT_CLOSE_GRACE_MS) => {
    closing ??= new Promise<void>(resolve => {
      const timer = clock.setTimeout(() => tracker.destroyAll(), graceMs);
      // http.Server#close (Node >= 19) also closes "idle" connections at once, including ones
      // whose request bytes have arrived but are not parsed yet; net.Server#close only stops
      // listening, and the tracker closes idle sockets after a short settle period.
      NetServer.prototype.close.call(server, () => {
        clock.clearTimeout(timer);
        resolve();
      });
      tracker.startClosing(clock);
    });
    return closing;
  };
}

/** How long close waits before closing sockets with no request in flight. */
const IDLE_SETTLE_MS = 50;

/** Counts requests in flight per socket, so idle sockets can be closed and busy ones left to finish. */
class ConnectionTracker {
  readonly #active = new Map<Socket, number>();
  /** TCP sockets of TLS connections still in the handshake, by peer address and port. */
  readonly #handshaking = new Map<string, Socket>();
  readonly #requests = new InFlight();
  #closing = false;

  add(socket: Socket): void {
    this.#active.set(socket, 0);
    socket.once('close', () => this.#active.delete(socket));
  }

  addHandshaking(socket: Socket): void {
    const key = peer(socket);
    this.#handshaking.set(key, socket);
    socket.once('close', () => {
      if (this.#handshaking.get(key) === socket) this.#handshaking.delete(key);
    });
  }

  /** A TLS handshake ended: its socket is tracked like a plain one from now on. */
  secured(socket: TLSSocket): void {
    this.#handshaking.delete(peer(socket));
    this.add(socket);
  }

  requestStarted(env: HttpBindings): void {
    const socket = env.incoming.socket;
    this.#active.set(socket, (this.#active.get(socket) ?? 0) + 1);
    // A request arriving on a kept-alive socket during close is served, then the socket closes.
    if (this.#closing) env.outgoing.shouldKeepAlive = false;
    const done = this.#requests.begin();
    env.outgoing.once('close', () => {
      done();
      this.#requestEnded(socket);
    });
  }

  settled(): Promise<void> {
    return this.#requests.settled();
  }

  startClosing(clock: Clock): void {
    this.#closing = true;
    // A socket looks idle until its request bytes are parsed; bytes that already arrived when
    // close began are read in the next event-loop turns. Waiting briefly before closing idle
    // sockets serves those requests instead of resetting connections the client already used.
    clock.setTimeout(() => {
      for (const [socket, n] of this.#active) if (n === 0) closeSoon(socket);
      // A handshake still running has no request yet: it is an idle connection too.
      for (const socket of this.#handshaking.values()) socket.destroy();
    }, IDLE_SETTLE_MS);
  }

  destroyAll(): void {
    for (const socket of this.#active.keys()) socket.destroy();
    for (const socket of this.#handshaking.values()) socket.destroy();
  }

  #requestEnded(socket: Socket): void {
    const n = this.#active.get(socket);
    if (n === undefined) return;
    this.#active.set(socket, n - 1);
    if (this.#closing && n === 1) closeSoon(socket);
  }
}

/** A connection's peer, the same for its TCP socket and the TLS socket over it. */
function peer(socket: Socket): string {
  return `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`;
}

/** Closes a socket once what was written to it has been flushed; destroy() alone would drop it. */
function closeSoon(socket: Socket): void {
  if (socket.writableFinished || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end();
}
