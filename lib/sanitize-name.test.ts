import { describe, expect, it } from "vitest";

import { MAX_NAME_BYTES, sanitizeFileName } from "./sanitize-name";

const bytes = (s: string) => new TextEncoder().encode(s).length;

describe("sanitizeFileName", () => {
  it("keeps ordinary and Unicode names as they are", () => {
    expect(sanitizeFileName("report.pdf")).toBe("report.pdf");
    expect(sanitizeFileName("Résumé – 2026.pdf")).toBe("Résumé – 2026.pdf");
    expect(sanitizeFileName("家族の写真.jpg")).toBe("家族の写真.jpg");
    expect(sanitizeFileName("party 🎉👨‍👩‍👧.png")).toBe("party 🎉👨‍👩‍👧.png");
  });

  it("turns path separators into underscores so a name can never leave its folder", () => {
    expect(sanitizeFileName("../x")).toBe("_x");
    expect(sanitizeFileName("../../etc/passwd")).toBe("_.._etc_passwd");
    expect(sanitizeFileName("a\\b")).toBe("a_b");
    expect(sanitizeFileName("/abs/path.txt")).toBe("_abs_path.txt");
  });

  it("drops control characters, NUL and bidirectional overrides", () => {
    expect(sanitizeFileName("a\u0000b.txt")).toBe("ab.txt");
    expect(sanitizeFileName("line\nbreak\r.txt")).toBe("linebreak.txt");
    // "\u202Egpj.exe" renders as "exe.jpg" in many UIs.
    expect(sanitizeFileName("invoice\u202Egpj.exe")).toBe("invoicegpj.exe");
    expect(sanitizeFileName("\u2066x\u2069.txt")).toBe("x.txt");
  });

  it("has no leading dots and no trailing dots or spaces", () => {
    expect(sanitizeFileName(".bashrc")).toBe("bashrc");
    expect(sanitizeFileName("...")).toBe("file");
    expect(sanitizeFileName(".")).toBe("file");
    expect(sanitizeFileName("..")).toBe("file");
    expect(sanitizeFileName("name. . ")).toBe("name");
    expect(sanitizeFileName("   ")).toBe("file");
    expect(sanitizeFileName("")).toBe("file");
  });

  it("caps the length in bytes, keeping the extension and whole characters", () => {
    const long = sanitizeFileName(`${"a".repeat(10_000)}.pdf`);
    expect(bytes(long)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(long.endsWith(".pdf")).toBe(true);

    const emoji = sanitizeFileName(`${"😀".repeat(300)}.png`);
    expect(bytes(emoji)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(emoji).toMatch(/^(😀)+\.png$/u);
  });

  it("normalises to NFC so the same name always gives the same key", () => {
    expect(sanitizeFileName("e\u0301.txt")).toBe("\u00e9.txt");
  });

  it("replaces a lone UTF-16 surrogate, which nothing could encode, and keeps real pairs", () => {
    expect(sanitizeFileName("\ud800x.txt")).toBe("\ufffdx.txt");
    expect(sanitizeFileName("a\udc00.txt")).toBe("a\ufffd.txt");
    expect(sanitizeFileName("📄.txt")).toBe("📄.txt");
    expect(() => encodeURIComponent(sanitizeFileName("\ud800x.txt"))).not.toThrow();
  });
});
