import { describe, expect, it } from "vitest";

import { DEFAULT_ALLOWED_CONTENT_TYPES, FILE_KIND_RULES, FILE_KINDS, fileKind, MEDIA_TYPES_BY_EXTENSION, mediaTypeForName } from "./media-types";

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

  it("sorts every type into the kind a person would look under", () => {
    const kinds = Object.fromEntries(Object.entries(MEDIA_TYPES_BY_EXTENSION).map(([ext, type]) => [ext, fileKind(type)]));
    expect(kinds).toEqual({
      ".jpg": "images",
      ".jpeg": "images",
      ".png": "images",
      ".gif": "images",
      ".webp": "images",
      ".avif": "images",
      ".pdf": "documents",
      ".txt": "documents",
      ".csv": "documents",
      ".md": "documents",
      ".json": "documents",
      ".zip": "archives",
      ".gz": "archives",
      ".mp3": "audio",
      ".ogg": "audio",
      ".wav": "audio",
      ".mp4": "video",
      ".webm": "video",
      ".mov": "video",
      ".docx": "documents",
      ".xlsx": "documents",
      ".pptx": "documents",
      ".odt": "documents",
      ".ods": "documents",
    });
    // Types an operator allows beyond the defaults: media by their top-level type, the rest "other".
    expect(fileKind("image/svg+xml")).toBe("images");
    expect(fileKind("video/x-matroska")).toBe("video");
    expect(fileKind("text/html")).toBe("documents");
    expect(fileKind("application/x-msdownload")).toBe("other");
    expect(fileKind("application/octet-stream")).toBe("other");
  });

  it("has a rule for every kind but other, and no type in two kinds", () => {
    expect(Object.keys(FILE_KIND_RULES).sort()).toEqual(FILE_KINDS.filter((k) => k !== "other").sort());
    const listed = Object.values(FILE_KIND_RULES).flatMap((rule) => rule.types);
    expect(new Set(listed).size).toBe(listed.length);
  });
});
