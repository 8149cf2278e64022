import { describe, expect, it } from "vitest";

import { ApiError } from "./upload-client";
import { describeUploadError } from "./upload-errors";

/** Uppy's S3 errors as @uppy/aws-s3 builds them: a message, an HTTP status and S3's code. */
function s3Error(status: number, serviceCode?: string) {
  return Object.assign(new Error(`S3 returned ${status}${serviceCode ? ` – ${serviceCode}` : ""}`), { status, serviceCode, code: serviceCode, body: "" });
}

describe("describeUploadError", () => {
  it("keeps Valet's own message (the error table's) and says whether Retry can help", () => {
    const quarantined = new ApiError(422, "upload_quarantined", "The file's content is not a PNG image. The file is quarantined.");
    expect(describeUploadError(quarantined)).toEqual({ message: quarantined.message, canRetry: false });
    expect(describeUploadError(new ApiError(503, "storage_unavailable", "Storage is unavailable."))).toEqual({
      message: "Storage is unavailable.",
      canRetry: true,
    });
  });

  it("never shows a raw S3 status or code", () => {
    for (const [status, code] of [
      [403, "AccessDenied"],
      [403, "SignatureDoesNotMatch"],
      [400, "BadDigest"],
      [405, undefined],
      [404, "NoSuchUpload"],
      [503, "SlowDown"],
      [500, undefined],
      [418, undefined],
      [400, "SomethingNew"],
    ] as const) {
      const { message } = describeUploadError(s3Error(status, code));
      expect(message).not.toMatch(/S3 returned|AccessDenied|SignatureDoesNotMatch|BadDigest|NoSuchUpload|SlowDown|SomethingNew/);
      expect(message.length).toBeGreaterThan(20);
    }
  });

  it("tells an expired key (retry helps) from a storage that refuses browser uploads (it does not)", () => {
    expect(describeUploadError(s3Error(403, "AccessDenied"))).toMatchObject({ canRetry: true, message: expect.stringMatching(/Retry/) });
    expect(describeUploadError(s3Error(405))).toMatchObject({ canRetry: false, message: expect.stringMatching(/administrator/) });
    expect(describeUploadError(s3Error(400, "BadDigest")).message).toMatch(/checksum/);
  });

  it("reads the status from the message when storage's answer had no readable code (CORS hid it)", () => {
    expect(describeUploadError(new Error("S3 returned 405")).message).toMatch(/does not allow/);
  });

  it("names an unreachable storage or Valet", () => {
    expect(describeUploadError(Object.assign(new Error("Network error during S3 request"), { code: "NETWORK" })).message).toMatch(
      /Storage could not be reached/,
    );
    expect(describeUploadError(new ApiError(0, "network_error", "Failed to fetch")).message).toMatch(/Valet could not be reached/);
  });

  it("passes any other error's message through", () => {
    expect(describeUploadError(new Error("Verification failed."))).toEqual({ message: "Verification failed.", canRetry: true });
    expect(describeUploadError("weird")).toEqual({ message: "The upload failed.", canRetry: true });
  });
});
