// The adversarial style: an attack is one request (or a few), and the test asserts its status, its
// error body, and that nothing else changed — no row moved and no object or part was written or
// deleted in storage for the people involved.
import { ListPartsCommand } from "@aws-sdk/client-s3";
import { expect } from "vitest";

import { bucket, sql, userIdOf } from "../integration/context";
import type { JsonResponse } from "./api-client";

/** What the people involved own, in the database and in storage. */
export async function snapshot(emails: string[]) {
  const ids = await Promise.all(emails.map(userIdOf));
  const { rows } = await sql.query(
    `SELECT json_build_object(
       'users', (SELECT json_agg(json_build_object('id', id, 'role', role, 'disabledAt', "disabledAt", 'quotaBytes', "quotaBytes"::text, 'quotaFiles', "quotaFiles") ORDER BY id) FROM "User" WHERE id = ANY($1::uuid[])),
       'uploads', (SELECT json_agg(json_build_object('id', id, 'status', status, 's3UploadId', "s3UploadId", 'name', name, 'etag', etag, 'completedAt', "completedAt", 'deletedAt', "deletedAt") ORDER BY id) FROM "Upload" WHERE "ownerId" = ANY($1::uuid[])),
       'parts', (SELECT json_agg(json_build_object('uploadId', p."uploadId", 'partNumber', p."partNumber", 'md5', p.md5) ORDER BY p."uploadId", p."partNumber") FROM "UploadPart" p JOIN "Upload" u ON u.id = p."uploadId" WHERE u."ownerId" = ANY($1::uuid[])),
       'shares', (SELECT json_agg(json_build_object('id', id, 'downloadCount', "downloadCount", 'revokedAt', "revokedAt", 'expiresAt', "expiresAt") ORDER BY id) FROM "ShareLink" WHERE "createdById" = ANY($1::uuid[])),
       'tokens', (SELECT json_agg(json_build_object('id', id, 'revokedAt', "revokedAt") ORDER BY id) FROM "ApiToken" WHERE "userId" = ANY($1::uuid[]))
     ) AS state`,
    [ids],
  );
  const storage = [];
  for (const id of ids) {
    const prefix = `users/${id}/`;
    const objects = [];
    for (const key of await bucket.listObjectKeys(prefix)) {
      const head = await bucket.headObject(key);
      objects.push({ key, size: head?.size, etag: head?.etag });
    }
    const multipart = [];
    for (const u of await bucket.listMultipartUploads(prefix)) {
      const parts = (await bucket.client.send(new ListPartsCommand({ Bucket: bucket.bucket, Key: u.key, UploadId: u.uploadId }))).Parts ?? [];
      multipart.push({ key: u.key, uploadId: u.uploadId, parts: parts.map((p) => `${p.PartNumber}:${p.ETag}:${p.Size}`) });
    }
    storage.push({ objects, multipart });
  }
  return { db: rows[0].state, storage };
}

/** Runs `attack` and checks that the state of `emails` is exactly as before. */
export async function unchanged<T>(emails: string[], attack: () => Promise<T>): Promise<T> {
  const before = await snapshot(emails);
  const result = await attack();
  expect(await snapshot(emails)).toEqual(before);
  return result;
}

export function expectError(res: JsonResponse, status: number, code: string, message?: RegExp) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe("string");
  if (message) expect(res.body.error.message).toMatch(message);
}

export async function expectStorageError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(await res.text()).toContain(`<Code>${code}</Code>`);
}
