/*
 * TLS flags of `braid serve` (issue #10, TLS): Triton's gRPC flags and the HTTPS ones beside them,
 * their combinations, and reading the certificate files with errors that name the flag.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServeFlags } from '../../../engine/cli/args.js';
import type { ServeFlags } from '../../../engine/cli/args.js';
import { readTls } from '../../../engine/cli/tls-flags.js';
import { makeCertificates, opensslMissing } from '../../support/certificates.js';
import type { Certificates } from '../../support/certificates.js';

const serve = (...args: string[]) =>
  parseServeFlags(['--model-repository', 'models', ...args]) as ServeFlags;

describe('TLS flags', () => {
  it('serve plaintext by default', () => {
    expect(serve().tls).toEqual({});
  });

  it.each(['http', 'grpc'])('%s: --X-use-ssl needs the certificate and key', endpoint => {
    expect(
      serve(
        `--${endpoint}-use-ssl`,
        'true',
        `--${endpoint}-server-cert`,
        'c.pem',
        `--${endpoint}-server-key`,
        'k.pem',
      ).tls,
    ).toEqual({
      [endpoint]: { endpoint, certFile: 'c.pem', keyFile: 'k.pem', mutual: false },
    });
    expect(() =>
      serve(`--${endpoint}-use-ssl`, 'true', `--${endpoint}-server-cert`, 'c.pem'),
    ).toThrow(
      `--${endpoint}-use-ssl needs --${endpoint}-server-cert and --${endpoint}-server-key (PEM files)`,
    );
    expect(() => serve(`--${endpoint}-use-ssl`, 'yes')).toThrow(
      `--${endpoint}-use-ssl must be true or false, got 'yes'`,
    );
  });

  it('implies TLS with the mutual flag, as Triton does, and needs the root certificate then', () => {
    const tls = serve(
      '--grpc-use-ssl-mutual',
      '1',
      '--grpc-server-cert',
      'c',
      '--grpc-server-key',
      'k',
      '--grpc-root-cert',
      'ca',
    ).tls;
    expect(tls.grpc).toEqual({
      endpoint: 'grpc',
      certFile: 'c',
      keyFile: 'k',
      rootCertFile: 'ca',
      mutual: true,
    });
    expect(tls.http).toBeUndefined();
    expect(() =>
      serve('--http-use-ssl-mutual', 'true', '--http-server-cert', 'c', '--http-server-key', 'k'),
    ).toThrow(
      '--http-use-ssl-mutual needs --http-root-cert, the CA certificate(s) that client certificates must chain to',
    );
  });

  it('refuses certificate flags that would be ignored, instead of serving plaintext', () => {
    expect(() => serve('--http-server-cert', 'c', '--http-server-key', 'k')).toThrow(
      '--http-server-cert, --http-server-key given but --http-use-ssl is false: pass --http-use-ssl true to serve TLS, or drop the certificate flags',
    );
    expect(() =>
      serve(
        '--grpc-use-ssl',
        'true',
        '--grpc-server-cert',
        'c',
        '--grpc-server-key',
        'k',
        '--grpc-root-cert',
        'ca',
      ),
    ).toThrow(
      '--grpc-root-cert is only used to verify client certificates: pass --grpc-use-ssl-mutual true, or drop it',
    );
  });
});

describe.skipIf(opensslMissing())('readTls', () => {
  let certs: Certificates;
  let dir: string;
  beforeAll(() => {
    certs = makeCertificates();
    dir = mkdtempSync(path.join(tmpdir(), 'braid-tls-flags-'));
  });
  afterAll(() => {
    certs?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads the files of one endpoint', () => {
    const tls = readTls({
      endpoint: 'http',
      certFile: certs.serverCert,
      keyFile: certs.serverKey,
      rootCertFile: certs.caCert,
      mutual: true,
    });
    expect(tls.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(tls.key.toString()).toContain('PRIVATE KEY');
    expect(tls.ca?.toString()).toContain('BEGIN CERTIFICATE');
    expect(tls.requireClientCert).toBe(true);
  });

  it('names the flag and the file when one is missing', () => {
    const missing = path.join(dir, 'nope.pem');
    expect(() =>
      readTls({ endpoint: 'grpc', certFile: missing, keyFile: certs.serverKey, mutual: false }),
    ).toThrow(new RegExp(`^--grpc-server-cert '${missing}' cannot be read: ENOENT`));
    expect(() =>
      readTls({
        endpoint: 'http',
        certFile: certs.serverCert,
        keyFile: certs.serverKey,
        rootCertFile: missing,
        mutual: true,
      }),
    ).toThrow(`--http-root-cert '${missing}' cannot be read`);
  });

  it('names the flags when a file is not PEM or the key does not match the certificate', () => {
    const text = path.join(dir, 'text.pem');
    writeFileSync(text, 'not a certificate\n');
    expect(() =>
      readTls({ endpoint: 'http', certFile: certs.serverCert, keyFile: text, mutual: false }),
    ).toThrow(`--http-server-key '${text}' is not PEM: expected a '-----BEGIN ...' block`);
    expect(() =>
      readTls({
        endpoint: 'http',
        certFile: certs.serverCert,
        keyFile: certs.clientKey,
        mutual: false,
      }),
    ).toThrow(
      `--http-server-cert '${certs.serverCert}' and --http-server-key '${certs.clientKey}' are not a usable certificate and key`,
    );
    const broken = path.join(dir, 'broken.pem');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect(() =>
      readTls({
        endpoint: 'grpc',
        certFile: certs.serverCert,
        keyFile: certs.serverKey,
        rootCertFile: broken,
        mutual: true,
      }),
    ).toThrow(`--grpc-root-cert '${broken}' is not a usable PEM certificate`);
  });
});
