/**
 * @module
 * TLS for the HTTP and gRPC endpoints, from one plain description of the certificates: HTTPS
 * options for Node's https server, and grpc-js server credentials as Triton builds them
 * (src/grpc/grpc_server.cc: the server's key pair, the root certificates, and with mutual TLS a
 * client certificate that is required and verified).
 */
import type { ServerOptions } from 'node:https';
import { ServerCredentials } from '@grpc/grpc-js';

/** The certificates of a TLS endpoint, PEM-encoded, already read from their files. */
export interface ServerTls {
  /** The server's certificate chain. */
  readonly cert: Buffer;
  /** The server's private key. */
  readonly key: Buffer;
  /** Root certificates that client certificates must chain to; used, and required, with mutual TLS only. */
  readonly ca?: Buffer;
  /** Mutual TLS: a client without a certificate signed by `ca` is refused in the handshake. */
  readonly requireClientCert: boolean;
}

/**
 * Options of `https.createServer` for `tls`.
 *
 * @example
 * https.createServer(httpsServerOptions({ cert, key, requireClientCert: false }), handler);
 */
export function httpsServerOptions(tls: ServerTls): ServerOptions {
  const base: ServerOptions = { cert: tls.cert, key: tls.key };
  if (!tls.requireClientCert) return base;
  return { ...base, ca: mustHaveCa(tls), requestCert: true, rejectUnauthorized: true };
}

/**
 * grpc-js server credentials for `tls`.
 *
 * @example
 * server.bindAsync('0.0.0.0:8001', grpcServerCredentials(tls), callback);
 */
export function grpcServerCredentials(tls: ServerTls): ServerCredentials {
  const ca = tls.requireClientCert ? mustHaveCa(tls) : null;
  return ServerCredentials.createSsl(
    ca,
    [{ private_key: tls.key, cert_chain: tls.cert }],
    tls.requireClientCert,
  );
}

function mustHaveCa(tls: ServerTls): Buffer {
  if (!tls.ca)
    throw new Error('mutual TLS needs the root certificates that client certificates chain to');
  return tls.ca;
}
