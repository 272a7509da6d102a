/**
 * A self-signed serving certificate for the apiserver. kubectl (client-go's clientcmd) sends a
 * bearer token only over TLS, so a token-protected apiserver that kubectl can use must serve
 * https; clients then trust this certificate (certificate-authority-data) or skip verification.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isIP } from 'node:net';

export interface TLSCert {
  /** PEM certificate (also the CA to trust: it is self-signed). */
  cert: string;
  /** PEM private key. */
  key: string;
}

/** Creates an EC P-256 certificate valid 10 years for the given IPs and DNS names (openssl). */
export async function selfSignedCert(hosts: string[] = ['127.0.0.1', 'localhost'], commonName = 'podnet-apiserver'): Promise<TLSCert> {
  const dir = await mkdtemp(join(tmpdir(), 'podnet-tls-'));
  try {
    const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    const keyPath = join(dir, 'tls.key');
    const certPath = join(dir, 'tls.crt');
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyPath, '-out', certPath, '-days', '3650',
      '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${san}`,
    ]);
    return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
  } catch (e) {
    throw new Error(`apiserver: Cannot create a self-signed certificate for ${hosts.join(', ')}: ${(e as Error).message}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
