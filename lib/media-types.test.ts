import { describe, expect, it } from "vitest";

import { DEFAULT_ALLOWED_CONTENT_TYPES, MEDIA_TYPES_BY_EXTENSION, mediaTypeForName } from "./media-types";

describe("media types", () => {
  it("every type accepted by default has an extension that names it, and every extension's type is accepted", () => {
    const named = new Set(Object.values(MEDIA_TYPES_BY_EXTENSION));
    expect([...named].sort()).toEqual([...DEFAULT_ALLOWED_CONTENT_TYPES].sort());
    expect(DEFAULT_ALLOWED_CONTENT_TYPES).toContain("application/vnd.oasis.opendocument.text");
  });

  it("guesses from the extension, in any case, and falls back to octet-stream", () => {
    expect(mediaTypeForName("minutes.odt")).toBe("application/vnd.oasis.opendocument.text");
    expect(mediaTypeForName("budget.ODS")).toBe("application/vnd.oasis.opendocument.spreadsheet");
    expect(mediaTypeForName("archive.tar.gz")).toBe("application/gzip");
    expect(mediaTypeForName("README")).toBe("application/octet-stream");
    expect(mediaTypeForName(".odt")).toBe("application/octet-stream");
    expect(mediaTypeForName("tool.exe")).toBe("application/octet-stream");
  });
});
