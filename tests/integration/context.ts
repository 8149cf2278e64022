// What the integration tests talk to: the app that `npm test` started, its PostgreSQL database
// and the Ceph RGW behind it. A guard refuses anything that is not on this machine.
import { S3Client } from "@aws-sdk/client-s3";
import pg from "pg";

import { createS3Storage } from "@/lib/server/storage/s3";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the integration tests through \`npm test\`.`);
  return value;
}

function assertLocal(name: string, url: string): void {
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) throw new Error(`${name} points at ${host}; tests only run against local services.`);
}

export const APP_URL = required("VALET_TEST_APP_URL");
/** A second instance of the app on the same database. */
export const APP_URL_2 = required("VALET_TEST_APP_URL_2");
const DATABASE_URL = required("DATABASE_URL");
const S3_ENDPOINT = required("S3_ENDPOINT");
for (const [name, url] of [
  ["VALET_TEST_APP_URL", APP_URL],
  ["VALET_TEST_APP_URL_2", APP_URL_2],
  ["DATABASE_URL", DATABASE_URL],
  ["S3_ENDPOINT", S3_ENDPOINT],
] as const)
  assertLocal(name, url);

/** Direct access to the test bucket with the app's credentials: to inspect, or to misbehave. */
export const bucket = createS3Storage({
  endpoint: S3_ENDPOINT,
  region: process.env.S3_REGION ?? "us-east-1",
  bucket: required("S3_BUCKET"),
  forcePathStyle: true,
  credentials: { accessKeyId: required("S3_ACCESS_KEY_ID"), secretAccessKey: required("S3_SECRET_ACCESS_KEY") },
});

/** S3 clients holding Valet's upload and download keys themselves: to check what they may do. */
const keyClient = (id: string, secret: string) =>
  new S3Client({
    endpoint: S3_ENDPOINT,
    region: process.env.S3_REGION ?? "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: required(id), secretAccessKey: required(secret) },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
export const uploadKey = keyClient("S3_UPLOAD_ACCESS_KEY_ID", "S3_UPLOAD_SECRET_ACCESS_KEY");
export const downloadKey = keyClient("S3_DOWNLOAD_ACCESS_KEY_ID", "S3_DOWNLOAD_SECRET_ACCESS_KEY");

export const sql = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });

export async function uploadRow(id: string) {
  const { rows } = await sql.query(`SELECT status, "s3UploadId", "rejectReason" FROM "Upload" WHERE id = $1`, [id]);
  return rows[0] as { status: string; s3UploadId: string | null; rejectReason: string | null } | undefined;
}

export async function auditActions(uploadId: string): Promise<string[]> {
  const { rows } = await sql.query(`SELECT action FROM "AuditEvent" WHERE "uploadId" = $1 ORDER BY id`, [uploadId]);
  return rows.map((r: { action: string }) => r.action);
}

/** A fresh account promoted to ADMIN (seeded directly, as an operator would with ADMIN_EMAILS). */
export async function adminClient() {
  const { signedInClient } = await import("../helpers/api-client");
  const admin = await signedInClient(APP_URL);
  await sql.query(`UPDATE "User" SET role = 'ADMIN' WHERE email = $1`, [admin.email]);
  return admin;
}

export async function userIdOf(email: string): Promise<string> {
  const { rows } = await sql.query(`SELECT id FROM "User" WHERE email = $1`, [email]);
  return rows[0].id as string;
}
