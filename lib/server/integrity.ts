import "server-only";

import { createHash } from "node:crypto";

// What storage must report for the bytes Valet signed. Every PUT is signed with the MD5 of exactly
// what it may carry, and the first MD5 signed for a target (the single object, or part n) is
// pinned; so the object's ETag follows from the pinned digests alone:
//   single PUT:  hex(MD5(bytes))
//   multipart:   hex(MD5(MD5(part 1) ‖ … ‖ MD5(part N))) + "-N"   (binary part digests, in order)
// Checked on Ceph RGW, AWS S3 (without SSE-KMS/SSE-C) and MinIO. A copy from elsewhere, a
// replacement, parts left out or completed out of order all give another ETag.

/** `digests` are the pinned base64 MD5s, in part order (one for a single upload). */
export function expectedEtag(strategy: "SINGLE" | "MULTIPART", digests: string[]): string {
  const binary = digests.map((d) => Buffer.from(d, "base64"));
  if (strategy === "SINGLE") {
    if (binary.length !== 1) throw new RangeError("a single upload has exactly one digest");
    return binary[0]!.toString("hex");
  }
  return `${createHash("md5").update(Buffer.concat(binary)).digest("hex")}-${binary.length}`;
}

/** ETags compare without their quotes and case. */
export const normalizeEtag = (etag: string | undefined): string => (etag ?? "").replace(/"/g, "").trim().toLowerCase();
