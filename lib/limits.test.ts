import { describe, expect, it } from "vitest";

import { quotaRefusal, retryAfterSeconds } from "./limits";

describe("quotaRefusal", () => {
  const quota = { bytes: 1000, files: 3 };

  it("allows an upload that fills the quota exactly", () => {
    expect(quotaRefusal({ bytes: 600, files: 1 }, quota, 400)).toBeNull();
    expect(quotaRefusal({ bytes: 0, files: 2 }, quota, 1)).toBeNull();
  });

  it("refuses one byte over, saying what is used and what is left", () => {
    expect(quotaRefusal({ bytes: 600, files: 1 }, quota, 401)).toBe(
      "This file is 401 B but only 400 B of your 1000 B quota is left (600 B used, counting uploads in progress).",
    );
  });

  it("refuses one file over the file quota", () => {
    expect(quotaRefusal({ bytes: 0, files: 3 }, quota, 1)).toMatch(/^You have 3 of your 3 files/);
  });

  it("never reports negative room when already over (after an admin lowered the quota)", () => {
    expect(quotaRefusal({ bytes: 2000, files: 0 }, quota, 1)).toContain("only 0 B of your 1000 B");
  });

  it("treats a zero quota as no uploads at all", () => {
    expect(quotaRefusal({ bytes: 0, files: 0 }, { bytes: 0, files: 10 }, 1)).not.toBeNull();
    expect(quotaRefusal({ bytes: 0, files: 0 }, { bytes: 10, files: 0 }, 1)).not.toBeNull();
  });
});

describe("retryAfterSeconds", () => {
  const start = new Date("2026-11-27T12:00:00Z");
  const at = (s: number) => new Date(start.getTime() + s * 1000);

  it("lets requests through up to and including the limit", () => {
    expect(retryAfterSeconds(1, 10, start, at(0), 60)).toBe(0);
    expect(retryAfterSeconds(10, 10, start, at(59), 60)).toBe(0);
  });

  it("asks the client to wait until the window reopens", () => {
    expect(retryAfterSeconds(11, 10, start, at(0), 60)).toBe(60);
    expect(retryAfterSeconds(11, 10, start, at(45.2), 60)).toBe(15);
  });

  it("always asks for at least a second", () => {
    expect(retryAfterSeconds(11, 10, start, at(60), 60)).toBe(1);
  });
});
