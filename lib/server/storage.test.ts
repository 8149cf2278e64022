import { CompleteMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { describe, expect, it } from "vitest";
import { MiB } from "@/lib/units";
import { createStorage } from "./storage";

// Presigning needs no network: these check the exact shape of the URLs handed to browsers.
const storage = createStorage({
  endpoint: "http://127.0.0.1:9",
  region: "us-east-1",
  bucket: "valet",
  forcePathStyle: true,
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
});
const KEY = "users/u1/up1/Résumé 📄.pdf";

const signedHeaders = (url: string) => new URL(url).searchParams.get("X-Amz-SignedHeaders")!.split(";");
const hasChecksumParam = (url: string) => [...new URL(url).searchParams.keys()].some((k) => k.toLowerCase().includes("checksum"));

describe("presigned URL shape", () => {
  it("signs Content-Type and Content-Length into a single PUT, with no checksum parameter", async () => {
    const { url, headers } = await storage.presign({ op: "putObject", key: KEY, contentType: "application/pdf", contentLength: 1234 }, 900);
    expect(signedHeaders(url)).toEqual(["content-length", "content-type", "host"]);
    expect(hasChecksumParam(url)).toBe(false);
    expect(headers).toEqual({ "content-type": "application/pdf" });
    const u = new URL(url);
    expect(u.pathname).toBe(`/valet/${encodeURIComponent("users")}/u1/up1/${encodeURIComponent("Résumé 📄.pdf")}`);
    expect(u.searchParams.get("X-Amz-Expires")).toBe("900");
  });

  it("signs each part's Content-Length and pins uploadId and partNumber in the URL", async () => {
    const { url, headers } = await storage.presign({ op: "uploadPart", key: KEY, uploadId: "abc", partNumber: 7, contentLength: 8 * MiB }, 600);
    expect(signedHeaders(url)).toEqual(["content-length", "host"]);
    expect(hasChecksumParam(url)).toBe(false);
    expect(headers).toBeUndefined();
    const u = new URL(url);
    expect(u.searchParams.get("uploadId")).toBe("abc");
    expect(u.searchParams.get("partNumber")).toBe("7");
    expect(u.searchParams.get("X-Amz-Expires")).toBe("600");
  });

  it("signs Content-Type into the multipart create, so the object gets the reserved type", async () => {
    const { url } = await storage.presign({ op: "createMultipartUpload", key: KEY, contentType: "application/pdf" }, 900);
    expect(signedHeaders(url)).toEqual(["content-type", "host"]);
    expect(new URL(url).searchParams.has("uploads")).toBe(true);
  });

  it("names the operation in the URL for list, complete and abort", async () => {
    for (const op of ["listParts", "completeMultipartUpload", "abortMultipartUpload"] as const) {
      const { url } = await storage.presign({ op, key: KEY, uploadId: "abc" }, 60);
      expect(new URL(url).searchParams.get("uploadId")).toBe("abc");
      expect(hasChecksumParam(url)).toBe(false);
    }
  });

  it("makes downloads carry the original name and type", async () => {
    const url = new URL(await storage.presignDownload({ key: KEY, fileName: "Résumé 📄.pdf", contentType: "application/pdf", expiresIn: 3600 }));
    expect(url.searchParams.get("response-content-disposition")).toBe(`attachment; filename="Resume _.pdf"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%F0%9F%93%84.pdf`);
    expect(url.searchParams.get("response-content-type")).toBe("application/pdf");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("3600");
  });
});

describe("the direct signer agrees with the SDK's getSignedUrl", () => {
  // Same request, same instant: every parameter but the signature (which also covers the SDK's
  // extra x-id parameter) must match, for both addressing styles.
  const signingDate = new Date("2026-11-27T12:00:00Z");
  type Client = ReturnType<typeof createStorage>["client"];
  const options = { expiresIn: 600, signingDate };
  const cases = [
    {
      op: { op: "putObject", key: KEY, contentType: "application/pdf", contentLength: 1234 } as const,
      viaSdk: (c: Client) => getSignedUrl(c, new PutObjectCommand({ Bucket: "valet", Key: KEY, ContentType: "application/pdf", ContentLength: 1234 }), { ...options, signableHeaders: new Set(["content-type"]) }),
    },
    {
      op: { op: "uploadPart", key: KEY, uploadId: "u/1+2", partNumber: 3, contentLength: 99 } as const,
      viaSdk: (c: Client) => getSignedUrl(c, new UploadPartCommand({ Bucket: "valet", Key: KEY, UploadId: "u/1+2", PartNumber: 3, ContentLength: 99 }), options),
    },
    {
      op: { op: "completeMultipartUpload", key: KEY, uploadId: "u1" } as const,
      viaSdk: (c: Client) => getSignedUrl(c, new CompleteMultipartUploadCommand({ Bucket: "valet", Key: KEY, UploadId: "u1" }), options),
    },
  ];
  for (const forcePathStyle of [true, false]) {
    for (const { op, viaSdk } of cases) {
      it(`${op.op}, ${forcePathStyle ? "path-style" : "virtual-hosted"}`, async () => {
        const config = { endpoint: "https://storage.example.com:8443", region: "eu-west-1", bucket: "valet", forcePathStyle, credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } };
        const ours = new URL((await createStorage(config).presign(op, 600, signingDate)).url);
        const theirs = new URL(await viaSdk(createStorage(config).client));
        expect(ours.origin).toBe(theirs.origin);
        expect(ours.pathname).toBe(theirs.pathname);
        const params = (u: URL) => Object.fromEntries([...u.searchParams].filter(([k]) => k !== "X-Amz-Signature" && k !== "x-id"));
        expect(params(ours)).toEqual(params(theirs));
      });
    }
  }
});
