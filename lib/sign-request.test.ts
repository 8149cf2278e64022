import { describe, expect, it } from "vitest";

import { AppError } from "./errors";
import { authorizeSignRequest, type SignableUpload } from "./sign-request";
import { MiB } from "./units";

const now = new Date("2026-11-27T12:00:00Z");
const KEY = "users/u1/up1/a.zip";

const single: SignableUpload = {
  key: "users/u1/up1/a.txt",
  status: "PENDING",
  strategy: "SINGLE",
  size: 10,
  contentType: "text/plain",
  partSize: 10,
  partCount: 1,
  s3UploadId: null,
  expiresAt: new Date("2026-11-28T12:00:00Z"),
};
const multi: SignableUpload = { ...single, key: KEY, strategy: "MULTIPART", size: 20 * MiB, contentType: "application/zip", partSize: 8 * MiB, partCount: 3 };
const pinned: SignableUpload = { ...multi, s3UploadId: "u-123" };
const MD5 = "XUFAKrxLKna5cZ2REBfFkg==";

function refusal(fn: () => unknown): { code: string; status: number } {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return { code: e.code, status: e.status };
    throw e;
  }
  throw new Error("expected a refusal");
}

describe("authorizeSignRequest", () => {
  it("signs a single PUT with the reserved type, exact size and the given MD5", () => {
    expect(authorizeSignRequest(single, { method: "PUT", key: single.key, contentType: "text/plain", contentMd5: MD5 }, now)).toEqual({
      op: "putObject",
      key: single.key,
      contentType: "text/plain",
      contentLength: 10,
      contentMd5: MD5,
      needsPin: false,
    });
  });

  it("refuses any other operation on a single upload", () => {
    expect(refusal(() => authorizeSignRequest(single, { method: "GET", key: single.key }, now))).toEqual({ code: "operation_not_allowed", status: 403 });
    expect(refusal(() => authorizeSignRequest(single, { method: "DELETE", key: single.key }, now)).code).toBe("operation_not_allowed");
    expect(refusal(() => authorizeSignRequest(single, { method: "POST", key: single.key }, now)).code).toBe("operation_not_allowed");
    expect(refusal(() => authorizeSignRequest(single, { method: "PUT", key: single.key, uploadId: "x", partNumber: 1 }, now)).code).toBe(
      "operation_not_allowed",
    );
  });

  it("refuses another key", () => {
    expect(refusal(() => authorizeSignRequest(single, { method: "PUT", key: "users/u1/up1/b.txt" }, now))).toEqual({ code: "key_mismatch", status: 403 });
    expect(refusal(() => authorizeSignRequest(single, { method: "PUT", key: "users/u2/up1/a.txt" }, now)).code).toBe("key_mismatch");
  });

  it("refuses a content type other than the reserved one", () => {
    expect(refusal(() => authorizeSignRequest(single, { method: "PUT", key: single.key, contentType: "text/html", contentMd5: MD5 }, now))).toEqual({
      code: "invalid_input",
      status: 422,
    });
  });

  it("refuses everything once the upload is no longer pending, or the reservation has expired", () => {
    for (const status of ["READY", "REJECTED", "ABORTED", "DELETED"] as const) {
      expect(refusal(() => authorizeSignRequest({ ...single, status }, { method: "PUT", key: single.key, contentMd5: MD5 }, now))).toEqual({
        code: "invalid_state",
        status: 409,
      });
    }
    expect(refusal(() => authorizeSignRequest({ ...single, expiresAt: now }, { method: "PUT", key: single.key, contentMd5: MD5 }, now))).toEqual({
      code: "reservation_expired",
      status: 410,
    });
  });

  it("maps each multipart request to its operation", () => {
    expect(authorizeSignRequest(multi, { method: "POST", key: KEY }, now)).toMatchObject({ op: "createMultipartUpload", contentType: "application/zip" });
    expect(authorizeSignRequest(pinned, { method: "GET", key: KEY, uploadId: "u-123" }, now)).toMatchObject({ op: "listParts", needsPin: false });
    expect(authorizeSignRequest(pinned, { method: "POST", key: KEY, uploadId: "u-123" }, now)).toMatchObject({ op: "completeMultipartUpload" });
    expect(authorizeSignRequest(pinned, { method: "DELETE", key: KEY, uploadId: "u-123" }, now)).toMatchObject({ op: "abortMultipartUpload" });
  });

  it("signs each part's exact length", () => {
    const lengths = [1, 2, 3].map((partNumber) =>
      authorizeSignRequest(pinned, { method: "PUT", key: KEY, uploadId: "u-123", partNumber, contentMd5: MD5 }, now),
    );
    expect(lengths.map((o) => (o.op === "uploadPart" ? o.contentLength : null))).toEqual([8 * MiB, 8 * MiB, 4 * MiB]);
  });

  it("binds the checksum into every PUT, refuses a PUT without one, and refuses one on any other operation", () => {
    expect(authorizeSignRequest(pinned, { method: "PUT", key: KEY, uploadId: "u-123", partNumber: 2, contentMd5: MD5 }, now)).toMatchObject({
      op: "uploadPart",
      partNumber: 2,
      contentMd5: MD5,
    });
    expect(refusal(() => authorizeSignRequest(pinned, { method: "PUT", key: KEY, uploadId: "u-123", partNumber: 2 }, now))).toEqual({
      code: "invalid_input",
      status: 422,
    });
    expect(refusal(() => authorizeSignRequest(single, { method: "PUT", key: single.key, contentType: "text/plain" }, now))).toEqual({
      code: "invalid_input",
      status: 422,
    });
    for (const request of [
      { method: "POST" as const, key: KEY },
      { method: "GET" as const, key: KEY, uploadId: "u-123" },
      { method: "POST" as const, key: KEY, uploadId: "u-123" },
    ]) {
      expect(refusal(() => authorizeSignRequest(pinned, { ...request, contentMd5: MD5 }, now))).toEqual({ code: "operation_not_allowed", status: 403 });
    }
  });

  it("refuses part numbers outside 1..partCount", () => {
    for (const partNumber of [0, -1, 4, 10_001]) {
      expect(refusal(() => authorizeSignRequest(pinned, { method: "PUT", key: KEY, uploadId: "u-123", partNumber, contentMd5: MD5 }, now))).toEqual({
        code: "invalid_input",
        status: 422,
      });
    }
  });

  it("asks for a storage check before pinning the first uploadId, and refuses any other after", () => {
    expect(authorizeSignRequest(multi, { method: "PUT", key: KEY, uploadId: "u-new", partNumber: 1, contentMd5: MD5 }, now).needsPin).toBe(true);
    expect(refusal(() => authorizeSignRequest(pinned, { method: "PUT", key: KEY, uploadId: "u-other", partNumber: 1, contentMd5: MD5 }, now))).toEqual({
      code: "upload_id_mismatch",
      status: 403,
    });
    expect(refusal(() => authorizeSignRequest(pinned, { method: "POST", key: KEY }, now))).toEqual({ code: "invalid_state", status: 409 });
  });

  it("refuses single-style and malformed requests on a multipart upload", () => {
    expect(refusal(() => authorizeSignRequest(multi, { method: "PUT", key: KEY, contentMd5: MD5 }, now)).code).toBe("operation_not_allowed");
    expect(refusal(() => authorizeSignRequest(multi, { method: "GET", key: KEY }, now)).code).toBe("operation_not_allowed");
    expect(refusal(() => authorizeSignRequest(pinned, { method: "PUT", key: KEY, uploadId: "u-123", contentMd5: MD5 }, now)).code).toBe(
      "operation_not_allowed",
    );
    expect(refusal(() => authorizeSignRequest(pinned, { method: "GET", key: KEY, uploadId: "u-123", partNumber: 1 }, now)).code).toBe("operation_not_allowed");
  });
});

describe("authorizeSignRequest on Azure", () => {
  it("signs a single upload as on S3 (one Put Blob)", () => {
    expect(authorizeSignRequest(single, { method: "PUT", key: single.key, contentType: "text/plain", contentMd5: MD5 }, now, "azure")).toMatchObject({
      op: "putObject",
      contentLength: 10,
    });
  });

  it("signs a block as a PUT with a partNumber and no uploadId, with the part's exact length and MD5", () => {
    expect(authorizeSignRequest(multi, { method: "PUT", key: KEY, partNumber: 3, contentMd5: MD5 }, now, "azure")).toEqual({
      op: "putBlock",
      key: KEY,
      partNumber: 3,
      contentLength: 4 * MiB,
      contentMd5: MD5,
      needsPin: false,
    });
  });

  it("refuses what blocks never need: create, list, complete, abort, an uploadId, a block without MD5 or outside the part count", () => {
    for (const request of [
      { method: "POST" as const, key: KEY },
      { method: "GET" as const, key: KEY },
      { method: "DELETE" as const, key: KEY },
      { method: "PUT" as const, key: KEY, contentMd5: MD5 },
      { method: "PUT" as const, key: KEY, uploadId: "u-1", partNumber: 1, contentMd5: MD5 },
    ]) {
      expect(refusal(() => authorizeSignRequest(multi, request, now, "azure")).code).toBe("operation_not_allowed");
    }
    expect(refusal(() => authorizeSignRequest(multi, { method: "PUT", key: KEY, partNumber: 4, contentMd5: MD5 }, now, "azure")).code).toBe("invalid_input");
    expect(refusal(() => authorizeSignRequest(multi, { method: "PUT", key: KEY, partNumber: 1 }, now, "azure")).code).toBe("invalid_input");
  });

  it("keeps S3's rules on S3: a part without an uploadId is refused there", () => {
    expect(refusal(() => authorizeSignRequest(multi, { method: "PUT", key: KEY, partNumber: 1, contentMd5: MD5 }, now)).code).toBe("operation_not_allowed");
  });
});
