import { describe, expect, it } from "vitest";

import { contentMismatch, looksLikeMarkup } from "./content-check";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("contentMismatch", () => {
  it("accepts a detection in the declared type's family", () => {
    expect(contentMismatch("image/png", { mime: "image/png", isMarkup: false })).toBeNull();
    expect(contentMismatch("video/mp4", { mime: "video/quicktime", isMarkup: false })).toBeNull();
    expect(contentMismatch("application/zip", { mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", isMarkup: false })).toBeNull();
    expect(contentMismatch("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", { mime: "application/zip", isMarkup: false })).toBeNull();
  });

  it("quarantines signature types whose bytes are something else, or nothing recognisable", () => {
    expect(contentMismatch("image/png", { mime: "application/x-msdownload", isMarkup: false })).toBe(
      "Content mismatch: declared image/png, but the bytes are application/x-msdownload.",
    );
    expect(contentMismatch("image/png", { mime: undefined, isMarkup: true })).toContain("HTML/SVG markup");
    expect(contentMismatch("application/pdf", { mime: undefined, isMarkup: false })).toContain("no recognisable format");
  });

  it("lets text be text, but not a binary format in disguise", () => {
    expect(contentMismatch("text/plain", { mime: undefined, isMarkup: false })).toBeNull();
    expect(contentMismatch("text/csv", { mime: undefined, isMarkup: true })).toBeNull();
    expect(contentMismatch("text/plain", { mime: "application/x-elf", isMarkup: false })).toContain("application/x-elf");
    expect(contentMismatch("application/json", { mime: "application/zip", isMarkup: false })).not.toBeNull();
  });

  it("for types an operator added, refuses only a positive detection of something else", () => {
    expect(contentMismatch("model/stl", { mime: undefined, isMarkup: false })).toBeNull();
    expect(contentMismatch("model/stl", { mime: "application/x-msdownload", isMarkup: false })).not.toBeNull();
  });
});

describe("looksLikeMarkup", () => {
  it("spots HTML and SVG openings after whitespace or a BOM, in any case", () => {
    for (const s of ["<!DOCTYPE html><p>", "  \n<html>", "\ufeff<svg xmlns=", "<SCRIPT>alert(1)", "<?xml version='1.0'?><svg/>"])
      expect(looksLikeMarkup(bytes(s))).toBe(true);
  });

  it("leaves ordinary text and binary alone", () => {
    for (const s of ["hello <b>world</b>", "a,b,c\n1,2,3", "\x89PNG\r\n"]) expect(looksLikeMarkup(bytes(s))).toBe(false);
  });
});
