import "server-only";

import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { formatUrl } from "@aws-sdk/core/util";
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from "@smithy/types";

import { storageOrigin, type StorageLocation } from "@/lib/security-headers";

// SigV4 query presigning for the browser's upload operations: what getSignedUrl does without its
// per-call middleware stack (~270 µs a URL here), so a 100-URL batch costs about what a single SDK
// presign does per URL.

/** SHA-256 and HMAC-SHA256 for the signer, from node:crypto. */
export class Sha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

function toBytes(data: SourceData): Uint8Array | string {
  if (typeof data === "string") return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** S3 object keys go into the path one encoded segment at a time (RFC 3986, `/` kept). */
const encodeKey = (key: string) =>
  key
    .split("/")
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join("/");

/**
 * x-amz-acl stays a signed *header* rather than moving into the query as the SDK would: a
 * browser cannot then send a second, different ACL (two values of one header are joined and no
 * longer match the signature), and storage refuses grant headers next to a canned ACL.
 */
const UNHOISTABLE_HEADERS = new Set(["x-amz-acl"]);

export interface PresignArgs {
  method: string;
  key: string;
  query: Record<string, string>;
  /** Every header given is signed; the browser must send each of them exactly. */
  headers: Record<string, string>;
  expiresIn: number;
  signingDate?: Date;
}

/**
 * A presigner for one credential: the request is built here (path-style or virtual-host
 * addressing, as configured), every header given is signed, and the payload is UNSIGNED-PAYLOAD
 * as in the SDK's own presigner. The signer caches its signing key per day.
 */
export function createPresigner(location: StorageLocation, credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider) {
  const endpoint = new URL(location.endpoint ?? `https://s3.${location.region}.amazonaws.com`);
  const origin = new URL(storageOrigin(location));
  const signer = new SignatureV4({ service: "s3", region: location.region, credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const basePath = endpoint.pathname.replace(/\/$/, "");
  const port = endpoint.port ? Number(endpoint.port) : undefined;

  return async function presign(args: PresignArgs): Promise<string> {
    const path = location.forcePathStyle ? `${basePath}/${location.bucket}/${encodeKey(args.key)}` : `${basePath}/${encodeKey(args.key)}`;
    const request = new HttpRequest({
      method: args.method,
      protocol: endpoint.protocol,
      hostname: origin.hostname,
      port,
      path,
      query: args.query,
      headers: { ...args.headers, host: origin.host, "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD" },
    });
    const signed = await signer.presign(request, { expiresIn: args.expiresIn, signingDate: args.signingDate, unhoistableHeaders: UNHOISTABLE_HEADERS });
    return formatUrl(signed);
  };
}
