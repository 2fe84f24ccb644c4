/**
 * @module
 * TLS flags of `braid serve`: Triton's gRPC flags (`--grpc-use-ssl`, `--grpc-use-ssl-mutual`,
 * `--grpc-server-cert`, `--grpc-server-key`, `--grpc-root-cert`, src/command_line_parser.cc) and
 * the same for HTTPS (`--http-...`; Triton leaves HTTPS to a proxy). As in Triton, the mutual flag
 * implies TLS. Unlike Triton, certificate flags without TLS are an error, not silently ignored:
 * a server that was meant to be encrypted must not start in plaintext.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { ParseArgsConfig } from 'node:util';
import type { ServerTls } from '../server/tls.js';
import { bool, usage } from './flag-values.js';

/** The `parseArgs` options of the TLS flags, spread into `braid serve`'s. */
export const TLS_OPTIONS = {
  'http-use-ssl': { type: 'string', default: 'false' },
  'http-use-ssl-mutual': { type: 'string', default: 'false' },
  'http-server-cert': { type: 'string' },
  'http-server-key': { type: 'string' },
  'http-root-cert': { type: 'string' },
  'grpc-use-ssl': { type: 'string', default: 'false' },
  'grpc-use-ssl-mutual': { type: 'string', default: 'false' },
  'grpc-server-cert': { type: 'string' },
  'grpc-server-key': { type: 'string' },
  'grpc-root-cert': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Help lines of the TLS flags. */
export const TLS_HELP = `  --http-use-ssl BOOL            serve HTTPS (default false); needs --http-server-cert and
                                 --http-server-key
  --http-use-ssl-mutual BOOL     HTTPS that refuses clients without a certificate signed by
                                 --http-root-cert (default false; implies --http-use-ssl)
  --http-server-cert FILE        PEM certificate chain of the HTTPS endpoint
  --http-server-key FILE         PEM private key of the HTTPS endpoint
  --http-root-cert FILE          PEM CA certificate(s) that client certificates must chain to
  --grpc-use-ssl BOOL, --grpc-use-ssl-mutual BOOL, --grpc-server-cert FILE, --grpc-server-key FILE,
  --grpc-root-cert FILE          the same for gRPC (Triton's flags)`;

type Endpoint = 'http' | 'grpc';
type TlsValues = { [K in keyof typeof TLS_OPTIONS]: string | undefined };

/** The certificate files of one TLS endpoint, checked for presence but not read yet. */
export interface TlsFiles {
  /** Which endpoint: names the flags in error messages. */
  readonly endpoint: Endpoint;
  readonly certFile: string;
  readonly keyFile: string;
  /** Present exactly when `mutual` is. */
  readonly rootCertFile?: string;
  readonly mutual: boolean;
}

/** TLS of both endpoints; an absent endpoint serves plaintext. */
export interface TlsFlags {
  readonly http?: TlsFiles;
  readonly grpc?: TlsFiles;
}

/**
 * Validates the TLS flags' combinations (files are read by {@link readTls} at start).
 *
 * @example
 * parseTlsFlags({ 'grpc-use-ssl': 'true', 'grpc-server-cert': 'c.pem', 'grpc-server-key': 'k.pem', ... }).grpc?.certFile; // 'c.pem'
 */
export function parseTlsFlags(values: Partial<TlsValues>): TlsFlags {
  const http = endpointFlags('http', values);
  const grpc = endpointFlags('grpc', values);
  return { ...(http ? { http } : {}), ...(grpc ? { grpc } : {}) };
}

function endpointFlags(endpoint: Endpoint, values: Partial<TlsValues>): TlsFiles | undefined {
  const flag = (name: string) => `--${endpoint}-${name}`;
  const mutual = bool(flag('use-ssl-mutual'), values[`${endpoint}-use-ssl-mutual`] ?? 'false');
  const useSsl = mutual || bool(flag('use-ssl'), values[`${endpoint}-use-ssl`] ?? 'false');
  const certFile = values[`${endpoint}-server-cert`];
  const keyFile = values[`${endpoint}-server-key`];
  const rootCertFile = values[`${endpoint}-root-cert`];
  if (!useSsl) {
    const given = (['server-cert', 'server-key', 'root-cert'] as const).filter(
      n => values[`${endpoint}-${n}`] !== undefined,
    );
    if (given.length > 0) {
      const fix = `pass ${flag('use-ssl')} true to serve TLS, or drop the certificate flags`;
      throw usage(`${given.map(flag).join(', ')} given but ${flag('use-ssl')} is false: ${fix}`);
    }
    return undefined;
  }
  if (!certFile || !keyFile) {
    throw usage(
      `${flag(mutual ? 'use-ssl-mutual' : 'use-ssl')} needs ${flag('server-cert')} and ${flag('server-key')} (PEM files)`,
    );
  }
  if (mutual && !rootCertFile) {
    throw usage(
      `${flag('use-ssl-mutual')} needs ${flag('root-cert')}, the CA certificate(s) that client certificates must chain to`,
    );
  }
  if (!mutual && rootCertFile) {
    throw usage(
      `${flag('root-cert')} is only used to verify client certificates: pass ${flag('use-ssl-mutual')} true, or drop it`,
    );
  }
  return { endpoint, certFile, keyFile, mutual, ...(rootCertFile ? { rootCertFile } : {}) };
}

/**
 * Reads and checks the certificate files of one endpoint. Every failure names the flag and the
 * file: missing or unreadable files, PEM that does not parse, a key that does not match the
 * certificate.
 *
 * @example
 * const tls = readTls({ endpoint: 'http', certFile: 'server.pem', keyFile: 'server.key', mutual: false });
 */
export function readTls(files: TlsFiles): ServerTls {
  const flag = (name: string) => `--${files.endpoint}-${name}`;
  const cert = readPem(flag('server-cert'), files.certFile);
  const key = readPem(flag('server-key'), files.keyFile);
  const ca =
    files.rootCertFile === undefined ? undefined : readPem(flag('root-cert'), files.rootCertFile);
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    const pair = `${flag('server-cert')} '${files.certFile}' and ${flag('server-key')} '${files.keyFile}'`;
    throw usage(`${pair} are not a usable certificate and key: ${message(e)}`);
  }
  if (ca) checkCertificates(flag('root-cert'), files.rootCertFile!, ca);
  return { cert, key, requireClientCert: files.mutual, ...(ca ? { ca } : {}) };
}

/** Node accepts root certificates it cannot parse, then refuses every client far from the cause. */
function checkCertificates(flag: string, file: string, pem: Buffer): void {
  const blocks =
    pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ??
    [];
  if (blocks.length === 0)
    throw usage(`${flag} '${file}' holds no '-----BEGIN CERTIFICATE-----' block`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (e) {
      throw usage(`${flag} '${file}' is not a usable PEM certificate: ${message(e)}`);
    }
  }
}

function readPem(flag: string, file: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (e) {
    throw usage(`${flag} '${file}' cannot be read: ${message(e)}`);
  }
  if (!data.includes('-----BEGIN '))
    throw usage(`${flag} '${file}' is not PEM: expected a '-----BEGIN ...' block`);
  return data;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
