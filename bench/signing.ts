// Server time per presigned URL, in this process: Valet's signer inside a 100-URL batch against
// three references measured the same way, in the same run.
import { createHash, createHmac } from "node:crypto";
import { UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { HttpRequest } from "@smithy/core/protocols";
import { SignatureV4 } from "@smithy/signature-v4";

import { Sha256 } from "../lib/server/storage/presigner";
import { createS3Storage } from "../lib/server/storage/s3";
import { MiB } from "../lib/units";

const config = {
  endpoint: "http://127.0.0.1:7480",
  region: "us-east-1",
  bucket: "valet",
  forcePathStyle: true,
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secretsecretsecret" },
};
/** Every part URL signs the part's MD5 (Content-MD5), so the references sign one too. */
const MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";
const KEY = "users/6f1c2a9e-3b7d-4c1e-9a55-0d2f8e7b6a41/0b6c1c1e-4d1f-4c55-9a5e-1c0f8b9a7d01/holiday video.mp4";

async function microsPerCall(iterations: number, call: (i: number) => unknown): Promise<number> {
  for (let i = 0; i < Math.min(200, iterations); i++) await call(i); // warm up
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await call(i);
  return Number(process.hrtime.bigint() - started) / 1000 / iterations;
}

export async function measureSigning(quick: boolean) {
  const n = quick ? 500 : 3000;
  const storage = createS3Storage(config);
  const getSignedUrlMicros = await microsPerCall(Math.round(n / 3), (i) =>
    getSignedUrl(
      storage.client,
      new UploadPartCommand({ Bucket: "valet", Key: KEY, UploadId: "up", PartNumber: (i % 10_000) + 1, ContentLength: 8 * MiB, ContentMD5: MD5 }),
      { expiresIn: 900 },
    ),
  );
  const signer = new SignatureV4({
    service: "s3",
    region: "us-east-1",
    credentials: config.credentials,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const sdkSignatureV4Micros = await microsPerCall(n, (i) =>
    signer.presign(
      new HttpRequest({
        method: "PUT",
        protocol: "http:",
        hostname: "127.0.0.1",
        port: 7480,
        path: `/valet/${encodeURI(KEY)}`,
        query: { partNumber: String((i % 10_000) + 1), uploadId: "up" },
        headers: { host: "127.0.0.1:7480", "content-length": String(8 * MiB), "content-md5": MD5, "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD" },
      }),
      { expiresIn: 900 },
    ),
  );
  // The floor: one HMAC-SHA256 of a string-to-sign with the day's signing key already derived.
  const signingKey = createHmac("sha256", "k").update("x").digest();
  const stringToSign = `AWS4-HMAC-SHA256\n20261127T120000Z\n20261127/us-east-1/s3/aws4_request\n${createHash("sha256").update(KEY).digest("hex")}`;
  const hmacFloorMicros = await microsPerCall(n * 10, () => createHmac("sha256", signingKey).update(stringToSign).digest("hex"));
  const batches = Math.max(5, Math.round(n / 100));
  const batch = Array.from({ length: 100 }, (_, i) => ({
    op: "uploadPart" as const,
    key: KEY,
    uploadId: "up",
    partNumber: i + 1,
    contentLength: 8 * MiB,
    contentMd5: MD5,
  }));
  const signUrlMicrosInBatch = (await microsPerCall(batches, () => Promise.all(batch.map((op) => storage.presign(op, 900))))) / 100;
  return { signUrlMicrosInBatch, sdkSignatureV4Micros, getSignedUrlMicros, hmacFloorMicros };
}
