// TLS for the controller's server and the nodes' channels: certificates as paths or Buffers.
import * as fs from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { ConfigurationError } from "../errors/DaffiError";

export interface TlsOptions {
  /** Certificate (PEM) of this process: the controller's server certificate; a node's client certificate. */
  sslCertificate?: string | Buffer | undefined;
  /** Private key (PEM) of that certificate. */
  sslKey?: string | Buffer | undefined;
  /** CA (PEM) a node trusts for the controller's certificate; default: sslCertificate (a self-signed pair shared by all). */
  sslCa?: string | Buffer | undefined;
  /** Controller: require client certificates signed by this CA (mutual TLS). */
  sslClientCa?: string | Buffer | undefined;
  /** Node: the name expected in the controller's certificate when it is not the host connected to. */
  sslServerName?: string | undefined;
}

/** The PEM bytes of a certificate or key given as a path or a Buffer. */
export function pem(value: string | Buffer, what: string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  try {
    return fs.readFileSync(value);
  } catch (error) {
    throw new ConfigurationError(`cannot read ${what} '${value}': ${(error as Error).message}`);
  }
}

export function usesTls(options: TlsOptions): boolean {
  return options.sslCertificate !== undefined || options.sslKey !== undefined || options.sslCa !== undefined || options.sslClientCa !== undefined;
}

export function serverCredentials(options: TlsOptions): grpc.ServerCredentials {
  if (!usesTls(options)) return grpc.ServerCredentials.createInsecure();
  if (options.sslCertificate === undefined || options.sslKey === undefined) {
    throw new ConfigurationError("a TLS controller needs both sslCertificate and sslKey");
  }
  const keyPair = { cert_chain: pem(options.sslCertificate, "sslCertificate"), private_key: pem(options.sslKey, "sslKey") };
  const clientCa = options.sslClientCa === undefined ? null : pem(options.sslClientCa, "sslClientCa");
  return grpc.ServerCredentials.createSsl(clientCa, [keyPair], clientCa !== null);
}

/** `verify`: e.g. a direct link checks the certificate's chain, and proves the peer's identity otherwise than by host name. */
export function channelCredentials(options: TlsOptions, verify?: grpc.VerifyOptions): { credentials: grpc.ChannelCredentials; options: grpc.ChannelOptions } {
  if (!usesTls(options)) return { credentials: grpc.credentials.createInsecure(), options: {} };
  const trusted = options.sslCa ?? options.sslCertificate;
  const rootCerts = trusted === undefined ? null : pem(trusted, "sslCa");
  const key = options.sslKey === undefined ? null : pem(options.sslKey, "sslKey");
  const cert = key && options.sslCertificate !== undefined ? pem(options.sslCertificate, "sslCertificate") : null;
  return {
    credentials: grpc.credentials.createSsl(rootCerts, key, cert, verify),
    options: options.sslServerName ? { "grpc.ssl_target_name_override": options.sslServerName, "grpc.default_authority": options.sslServerName } : {},
  };
}
