// What the integration tests talk to: the app that `npm test` started, its PostgreSQL database
// and the Ceph RGW behind it; and the same app on Azure Blob Storage (Azurite) with a database of
// its own, for the suites that run on both backends (`backends`). A guard refuses anything that
// is not on this machine.
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import pg from "pg";

import type { StorageBackend } from "@/lib/server/storage";
import { createAzureStorage } from "@/lib/server/storage/azure";
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

/** One storage backend the app runs on in this test run, with what a test needs to look behind the app. */
export interface TestBackend {
  name: "s3" | "azure";
  appUrl: string;
  /** Storage with the app's main credential: to inspect, or to misbehave. */
  store: StorageBackend;
  /** Writes an object behind the app's back, as a leaked main key or an operator could. */
  putBehind(key: string, body: Buffer, contentType: string): Promise<void>;
  uploadRow: typeof uploadRow;
  auditActions: typeof auditActions;
  adminClient: typeof adminClient;
}

const s3Backend: TestBackend = {
  name: "s3",
  appUrl: APP_URL,
  store: bucket,
  putBehind: async (key, body, contentType) =>
    void (await bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: key, Body: body, ContentType: contentType }))),
  uploadRow,
  auditActions,
  adminClient,
};

/** The Azure instance's settings, when `npm test` started one (it always does; a hand-made environment may not). */
export const AZURE_APP_URL = process.env.VALET_TEST_AZURE_APP_URL;

function azureBackend(appUrl: string): { backend: TestBackend; blobs: ReturnType<typeof createAzureStorage>; sql: pg.Pool } {
  const databaseUrl = required("VALET_TEST_AZURE_DATABASE_URL");
  const endpoint = required("AZURE_BLOB_ENDPOINT");
  for (const [name, url] of [
    ["VALET_TEST_AZURE_APP_URL", appUrl],
    ["VALET_TEST_AZURE_DATABASE_URL", databaseUrl],
    ["AZURE_BLOB_ENDPOINT", endpoint],
  ] as const)
    assertLocal(name, url);
  const blobs = createAzureStorage({
    account: required("AZURE_STORAGE_ACCOUNT"),
    key: required("AZURE_STORAGE_KEY"),
    container: required("AZURE_CONTAINER"),
    endpoint,
  });
  const azureSql = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const row = async (id: string) => {
    const { rows } = await azureSql.query(`SELECT status, "s3UploadId", "rejectReason" FROM "Upload" WHERE id = $1`, [id]);
    return rows[0] as { status: string; s3UploadId: string | null; rejectReason: string | null } | undefined;
  };
  const actions = async (uploadId: string) => {
    const { rows } = await azureSql.query(`SELECT action FROM "AuditEvent" WHERE "uploadId" = $1 ORDER BY id`, [uploadId]);
    return rows.map((r: { action: string }) => r.action);
  };
  const admin = async () => {
    const { signedInClient } = await import("../helpers/api-client");
    const signedIn = await signedInClient(appUrl);
    await azureSql.query(`UPDATE "User" SET role = 'ADMIN' WHERE email = $1`, [signedIn.email]);
    return signedIn;
  };
  const backend: TestBackend = {
    name: "azure",
    appUrl,
    store: blobs,
    putBehind: async (key, body, contentType) =>
      void (await blobs.container.getBlockBlobClient(key).uploadData(body, { blobHTTPHeaders: { blobContentType: contentType } })),
    uploadRow: row,
    auditActions: actions,
    adminClient: admin,
  };
  return { backend, blobs, sql: azureSql };
}

/** The Azure instance, or undefined where this run has none. */
export const azure = AZURE_APP_URL ? azureBackend(AZURE_APP_URL) : undefined;

/** Every backend this run serves: suites that must hold on both iterate over these. */
export const backends: TestBackend[] = azure ? [s3Backend, azure.backend] : [s3Backend];

/**
 * Rows seeded straight into the database have no bytes in storage: they carry their jobs' results
 * (sha256, thumbnailNote) as if the jobs had run, or the reconciler would queue jobs that can only fail.
 */
export const SEEDED_JOB_RESULTS = `repeat('0', 64), 'Seeded by a test: no bytes in storage.'`;
