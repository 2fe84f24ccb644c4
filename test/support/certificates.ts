import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** PEM files of a throw-away PKI, made with openssl for one test file. */
export interface Certificates {
  readonly dir: string;
  /** The CA that signs the server and the client. */
  readonly caCert: string;
  /** Server certificate for 127.0.0.1 and localhost, and its key. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** Client certificate signed by the CA, and its key. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** Client certificate signed by another CA, and its key. */
  readonly strangerCert: string;
  readonly strangerKey: string;
  remove(): void;
}

/** Why TLS tests are skipped: openssl (the Debian package `openssl`) is not on the PATH. */
export function opensslMissing(): boolean {
  const missing = spawnSync('openssl', ['version']).error !== undefined;
  if (missing) {
    // eslint-disable-next-line no-console -- the reason a suite is skipped belongs in the test output
    console.warn('openssl not found: TLS tests are skipped (install the openssl package)');
  }
  return missing;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * Makes a CA, a server certificate (SAN 127.0.0.1 and localhost), a client certificate, and a
 * client certificate from a second CA, in a fresh temporary folder. EC keys keep it fast.
 */
export function makeCertificates(): Certificates {
  const dir = mkdtempSync(path.join(tmpdir(), 'braid-certs-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ca = (name: string) =>
    openssl(
      'req',
      '-x509',
      ...EC,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-subj',
      `/CN=braid test ${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    );
  const leaf = (name: string, issuer: string, serial: number, ext: string) => {
    writeFileSync(file(`${name}.ext`), ext);
    openssl(
      'req',
      '-new',
      ...EC,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=braid test ${name}`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.pem`,
      '-CAkey',
      `${issuer}.key`,
      '-set_serial',
      String(serial),
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      '-extfile',
      `${name}.ext`,
    );
  };
  ca('ca');
  ca('other-ca');
  leaf(
    'server',
    'ca',
    2,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  leaf('client', 'ca', 3, 'extendedKeyUsage=clientAuth\n');
  leaf('stranger', 'other-ca', 4, 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caCert: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    strangerCert: file('stranger.pem'),
    strangerKey: file('stranger.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Why HTTPS tests are skipped: curl is not on the PATH. */
export function curlMissing(): boolean {
  const missing = spawnSync('curl', ['--version']).error !== undefined;
  if (missing) {
    // eslint-disable-next-line no-console -- the reason a suite is skipped belongs in the test output
    console.warn('curl not found: HTTPS tests are skipped (install the curl package)');
  }
  return missing;
}

/** What curl printed for one request: the HTTP status (0 when none came) and body, and its exit code. */
export interface CurlResult {
  readonly exitCode: number;
  readonly status: number;
  readonly body: string;
  readonly stderr: string;
}

/**
 * Runs `curl -sS ...args URL` with a 20 s limit; `--write-out` appends the status. Asynchronous,
 * so an in-process server keeps serving while curl waits.
 */
export function curl(url: string, args: readonly string[] = []): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'curl',
      ['-sS', '--max-time', '20', '--write-out', '\n%{http_code}', ...args, url],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', code => {
      const cut = out.lastIndexOf('\n');
      resolve({
        exitCode: code ?? -1,
        status: Number(out.slice(cut + 1)) || 0,
        body: out.slice(0, cut),
        stderr,
      });
    });
  });
}
