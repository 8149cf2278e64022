import { describe, expect, it } from "vitest";

import { MiB } from "@/lib/units";

import { blockId, createAzureStorage } from "./azure";

// Signing a SAS needs no network: these check what a browser is handed.
const KEY = "users/u1/up1/Résumé 📄.pdf";
const MD5 = "XUFAKrxLKna5cZ2REBfFkg==";
const devKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const onAzure = createAzureStorage({ account: "acct", key: devKey, container: "valet" });
const onAzurite = createAzureStorage({ account: "devstoreaccount1", key: devKey, container: "valet", endpoint: "http://127.0.0.1:10000/devstoreaccount1" });

const params = (url: string) => new URL(url).searchParams;

describe("Azure SAS shape", () => {
  const signingDate = new Date("2026-11-27T12:00:00Z");

  it("Put Blob: create+write on one blob, HTTPS only on https, a minute of skew, the TTL, write-once and Content-MD5 headers", async () => {
    const { url, headers } = await onAzure.presign(
      { op: "putObject", key: KEY, contentType: "application/pdf", contentLength: 1234, contentMd5: MD5 },
      900,
      signingDate,
    );
    const u = new URL(url);
    expect(u.origin).toBe("https://acct.blob.core.windows.net");
    expect(decodeURIComponent(u.pathname)).toBe(`/valet/${KEY}`);
    expect(Object.fromEntries(u.searchParams)).toMatchObject({ sp: "cw", sr: "b", spr: "https", st: "2026-11-27T11:59:00Z", se: "2026-11-27T12:15:00Z" });
    // Nothing else is granted or overridden: no list (container SAS), no delete, no response headers.
    expect([...u.searchParams.keys()].sort()).toEqual(["se", "sig", "sp", "spr", "sr", "st", "sv"]);
    expect(headers).toEqual({ "x-ms-blob-type": "BlockBlob", "x-ms-blob-content-type": "application/pdf", "content-md5": MD5, "if-none-match": "*" });
  });

  it("Put Block: the block id from the part number, same length for every part, the part's Content-MD5", async () => {
    const { url, headers } = await onAzurite.presign({ op: "putBlock", key: KEY, partNumber: 7, contentLength: 8 * MiB, contentMd5: MD5 }, 900, signingDate);
    expect(params(url).get("comp")).toBe("block");
    expect(params(url).get("blockid")).toBe(blockId(7));
    expect(params(url).get("sp")).toBe("cw");
    // Azurite speaks http: the SAS allows it there.
    expect(params(url).get("spr")).toBe("https,http");
    expect(headers).toEqual({ "content-md5": MD5 });
    expect(new Set([1, 99, 10_000].map((n) => blockId(n).length)).size).toBe(1);
  });

  it("a download: read only, with type, disposition, caching and encoding fixed by the SAS", async () => {
    const url = await onAzure.presignDownload({ key: KEY, fileName: "Résumé 📄.pdf", contentType: "application/pdf", expiresIn: 3600 });
    expect(Object.fromEntries(params(url))).toMatchObject({
      sp: "r",
      sr: "b",
      rsct: "application/pdf",
      rscc: "private, no-store",
      rsce: "identity",
    });
    expect(params(url).get("rscd")).toMatch(/^attachment; filename=/);
  });

  it("signs no S3 operation", async () => {
    await expect(onAzure.presign({ op: "createMultipartUpload", key: KEY, contentType: "application/pdf" }, 900)).rejects.toMatchObject({
      code: "operation_not_allowed",
    });
  });
});
