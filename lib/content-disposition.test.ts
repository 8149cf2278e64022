import { describe, expect, it } from "vitest";

import { contentDisposition } from "./content-disposition";

/** What a browser does with the header: prefer filename*, else filename. */
function parseFileName(header: string): string {
  const star = /filename\*=UTF-8''([^;]+)/.exec(header);
  if (star) return decodeURIComponent(star[1]!);
  return /filename="([^"]*)"/.exec(header)![1]!;
}

describe("contentDisposition", () => {
  it("round-trips names with quotes, semicolons, non-ASCII and emoji", () => {
    for (const name of ['say "hi".txt', "a; b=c.txt", "Résumé.pdf", "家族.jpg", "party 🎉.png", "100% (final)*'s.txt"]) {
      expect(parseFileName(contentDisposition(name))).toBe(name);
    }
  });

  it("keeps the ASCII fallback free of quotes, backslashes and non-ASCII", () => {
    const header = contentDisposition('Résumé "x"\\y 🎉.pdf');
    expect(header).toMatch(/^attachment; filename="Resume _x__y _.pdf"; filename\*=UTF-8''/);
    expect(header).toMatch(/^[\x20-\x7e]+$/);
  });

  it("percent-encodes the characters RFC 5987 does not allow bare", () => {
    expect(contentDisposition("it's (1).txt")).toContain("filename*=UTF-8''it%27s%20%281%29.txt");
  });

  it("says inline when asked", () => {
    expect(contentDisposition("a.png", "inline").startsWith("inline; ")).toBe(true);
  });
});
