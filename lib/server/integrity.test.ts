import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";

import { expectedEtag, normalizeEtag } from "./integrity";

const md5 = (data: string) => createHash("md5").update(data).digest("base64");

describe("expectedEtag", () => {
  it("is the hex MD5 for a single PUT", () => {
    expect(expectedEtag("SINGLE", [md5("hello")])).toBe("5d41402abc4b2a76b9719d911017c592");
  });

  it("is MD5 of the binary part digests, then -N, for a multipart upload (as measured on Ceph RGW)", () => {
    // RGW answered "42d33973926db3ebf8f1b066200706bb-2" for a 5 MiB part of 0x01 bytes then 1,000 bytes of 0x02.
    const part = (byte: number, length: number) => createHash("md5").update(Buffer.alloc(length, byte)).digest("base64");
    expect(expectedEtag("MULTIPART", [part(1, 5 * 1024 * 1024), part(2, 1000)])).toBe("42d33973926db3ebf8f1b066200706bb-2");
  });

  it("changes when parts are reordered", () => {
    const [a, b] = [md5("a"), md5("b")];
    expect(expectedEtag("MULTIPART", [a, b])).not.toBe(expectedEtag("MULTIPART", [b, a]));
  });

  it("refuses a single upload with other than one digest", () => {
    expect(() => expectedEtag("SINGLE", [])).toThrow(RangeError);
  });

  it("compares without quotes or case", () => {
    expect(normalizeEtag('"ABC-2"')).toBe("abc-2");
    expect(normalizeEtag(undefined)).toBe("");
  });
});
