import { CompleteMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { describe, expect, it } from "vitest";

import { MiB } from "@/lib/units";

import { mergeBucketPolicy, valetStatements } from "./bucket-policy";
import { createS3Storage } from "./s3";

// Presigning needs no network: these check the exact shape of the URLs handed to browsers.
const storage = createS3Storage({
  endpoint: "http://127.0.0.1:9",
  region: "us-east-1",
  bucket: "valet",
  forcePathStyle: true,
  credentials: { accessKeyId: "AKIDMAIN", secretAccessKey: "secret" },
  uploadCredentials: { accessKeyId: "AKIDUPLOAD", secretAccessKey: "secret" },
  downloadCredentials: { accessKeyId: "AKIDDOWNLOAD", secretAccessKey: "secret" },
});
const MD5 = "XUFAKrxLKna5cZ2REBfFkg==";
const KEY = "users/u1/up1/Résumé 📄.pdf";

const signedHeaders = (url: string) => new URL(url).searchParams.get("X-Amz-SignedHeaders")!.split(";");
const hasChecksumParam = (url: string) => [...new URL(url).searchParams.keys()].some((k) => k.toLowerCase().includes("checksum"));

describe("presigned URL shape", () => {
  it("signs type, exact length, MD5, the owner ACL and If-None-Match into a single PUT, with the upload key", async () => {
    const { url, headers } = await storage.presign({ op: "putObject", key: KEY, contentType: "application/pdf", contentLength: 1234, contentMd5: MD5 }, 900);
    expect(signedHeaders(url)).toEqual(["content-length", "content-md5", "content-type", "host", "if-none-match", "x-amz-acl"]);
    expect(hasChecksumParam(url)).toBe(false);
    // The ACL stays a signed header: in the query, a second unsigned x-amz-acl header could compete with it.
    expect(new URL(url).searchParams.has("x-amz-acl")).toBe(false);
    expect(headers).toEqual({ "content-type": "application/pdf", "content-md5": MD5, "x-amz-acl": "bucket-owner-full-control", "if-none-match": "*" });
    const u = new URL(url);
    expect(u.searchParams.get("X-Amz-Credential")).toMatch(/^AKIDUPLOAD\//);
    expect(u.pathname).toBe(`/valet/${encodeURIComponent("users")}/u1/up1/${encodeURIComponent("Résumé 📄.pdf")}`);
    expect(u.searchParams.get("X-Amz-Expires")).toBe("900");
  });

  it("signs each part's Content-Length and MD5 and pins uploadId and partNumber in the URL", async () => {
    const { url, headers } = await storage.presign(
      { op: "uploadPart", key: KEY, uploadId: "abc", partNumber: 7, contentLength: 8 * MiB, contentMd5: MD5 },
      600,
    );
    expect(signedHeaders(url)).toEqual(["content-length", "content-md5", "host"]);
    expect(hasChecksumParam(url)).toBe(false);
    expect(headers).toEqual({ "content-md5": MD5 });
    const u = new URL(url);
    expect(u.searchParams.get("uploadId")).toBe("abc");
    expect(u.searchParams.get("partNumber")).toBe("7");
    expect(u.searchParams.get("X-Amz-Expires")).toBe("600");
    expect(u.searchParams.get("X-Amz-Credential")).toMatch(/^AKIDUPLOAD\//);
  });

  it("signs Content-Type and the owner ACL into the multipart create, so the object gets the reserved type", async () => {
    const { url, headers } = await storage.presign({ op: "createMultipartUpload", key: KEY, contentType: "application/pdf" }, 900);
    expect(signedHeaders(url)).toEqual(["content-type", "host", "x-amz-acl"]);
    expect(headers).toEqual({ "content-type": "application/pdf", "x-amz-acl": "bucket-owner-full-control" });
    expect(new URL(url).searchParams.has("uploads")).toBe(true);
  });

  it("names the operation in the URL for list, complete and abort", async () => {
    for (const op of ["listParts", "completeMultipartUpload", "abortMultipartUpload"] as const) {
      const { url } = await storage.presign({ op, key: KEY, uploadId: "abc" }, 60);
      expect(new URL(url).searchParams.get("uploadId")).toBe("abc");
      expect(hasChecksumParam(url)).toBe(false);
    }
  });

  it("makes downloads carry the original name and type, and forces encoding and caching, with the download key", async () => {
    const url = new URL(await storage.presignDownload({ key: KEY, fileName: "Résumé 📄.pdf", contentType: "application/pdf", expiresIn: 3600 }));
    expect(url.searchParams.get("response-content-disposition")).toBe(
      `attachment; filename="Resume _.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%F0%9F%93%84.pdf`,
    );
    expect(url.searchParams.get("response-content-type")).toBe("application/pdf");
    expect(url.searchParams.get("response-content-encoding")).toBe("identity");
    expect(url.searchParams.get("response-cache-control")).toBe("private, no-store");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("3600");
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(/^AKIDDOWNLOAD\//);
    expect(url.searchParams.has("versionId")).toBe(false);
    const pinned = new URL(await storage.presignDownload({ key: KEY, versionId: "v-42", fileName: "a.pdf", contentType: "application/pdf", expiresIn: 60 }));
    expect(pinned.searchParams.get("versionId")).toBe("v-42");
  });
});

describe("the direct signer agrees with the SDK's getSignedUrl", () => {
  // Same request, same instant: every parameter but the signature (which also covers the SDK's
  // extra x-id parameter) must match, for both addressing styles.
  const signingDate = new Date("2026-11-27T12:00:00Z");
  type Client = ReturnType<typeof createS3Storage>["client"];
  const options = { expiresIn: 600, signingDate };
  const cases = [
    {
      op: { op: "putObject", key: KEY, contentType: "application/pdf", contentLength: 1234, contentMd5: MD5 } as const,
      viaSdk: (c: Client) =>
        getSignedUrl(
          c,
          new PutObjectCommand({
            Bucket: "valet",
            Key: KEY,
            ContentType: "application/pdf",
            ContentLength: 1234,
            ContentMD5: MD5,
            ACL: "bucket-owner-full-control",
            IfNoneMatch: "*",
          }),
          { ...options, signableHeaders: new Set(["content-type", "content-md5", "if-none-match"]), unhoistableHeaders: new Set(["x-amz-acl"]) },
        ),
    },
    {
      op: { op: "uploadPart", key: KEY, uploadId: "u/1+2", partNumber: 3, contentLength: 99, contentMd5: MD5 } as const,
      viaSdk: (c: Client) =>
        getSignedUrl(c, new UploadPartCommand({ Bucket: "valet", Key: KEY, UploadId: "u/1+2", PartNumber: 3, ContentLength: 99, ContentMD5: MD5 }), {
          ...options,
          signableHeaders: new Set(["content-md5"]),
        }),
    },
    {
      op: { op: "completeMultipartUpload", key: KEY, uploadId: "u1" } as const,
      viaSdk: (c: Client) => getSignedUrl(c, new CompleteMultipartUploadCommand({ Bucket: "valet", Key: KEY, UploadId: "u1" }), options),
    },
  ];
  for (const forcePathStyle of [true, false]) {
    for (const { op, viaSdk } of cases) {
      it(`${op.op}, ${forcePathStyle ? "path-style" : "virtual-hosted"}`, async () => {
        const config = {
          endpoint: "https://storage.example.com:8443",
          region: "eu-west-1",
          bucket: "valet",
          forcePathStyle,
          credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
        };
        const ours = new URL((await createS3Storage(config).presign(op, 600, signingDate)).url);
        const theirs = new URL(await viaSdk(createS3Storage(config).client));
        expect(ours.origin).toBe(theirs.origin);
        expect(ours.pathname).toBe(theirs.pathname);
        const params = (u: URL) => Object.fromEntries([...u.searchParams].filter(([k]) => k !== "X-Amz-Signature" && k !== "x-id"));
        expect(params(ours)).toEqual(params(theirs));
      });
    }
  }
});

describe("bucket policy", () => {
  const statements = valetStatements({
    bucket: "valet",
    prefix: "users/",
    thumbnailPrefix: "thumbnails/",
    uploadPrincipal: "arn:aws:iam:::user/up",
    downloadPrincipal: "arn:aws:iam:::user/down",
  });

  it("lets the upload key only write under the prefix, never read, and the download key only read (files and thumbnails)", () => {
    expect(statements).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Principal: { AWS: ["arn:aws:iam:::user/up"] },
        Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: ["arn:aws:s3:::valet/users/*"],
      }),
      expect.objectContaining({
        Effect: "Deny",
        Principal: { AWS: ["arn:aws:iam:::user/up"] },
        Action: expect.arrayContaining(["s3:GetObject", "s3:DeleteObject"]),
      }),
      expect.objectContaining({
        Effect: "Allow",
        Principal: { AWS: ["arn:aws:iam:::user/down"] },
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: ["arn:aws:s3:::valet/users/*", "arn:aws:s3:::valet/thumbnails/*"],
      }),
    ]);
  });

  it("keeps a bucket's other statements and replaces its own", () => {
    const theirs = { Sid: "Theirs", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::valet/public/*" };
    const first = mergeBucketPolicy(JSON.stringify({ Version: "2012-10-17", Statement: [theirs] }), statements);
    const again = mergeBucketPolicy(JSON.stringify(first), statements);
    expect(again.Statement).toEqual([theirs, ...statements]);
    expect(mergeBucketPolicy(undefined, statements)).toEqual({ Version: "2012-10-17", Statement: statements });
  });
});
