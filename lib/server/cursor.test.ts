import { describe, expect, it } from "vitest";

import { AppError } from "@/lib/errors";

import { decodeCursor, encodeCursor } from "./cursor";

describe("pagination cursors", () => {
  it("round-trip a sort value and an id, URL-safe", () => {
    for (const value of ["2026-11-27T12:00:00.000Z", "5497558138880", 'Résumé "q"; 🎉.pdf', ""]) {
      const raw = encodeCursor({ value, id: "0b6c1c1e-4d1f-4c55-9a5e-1c0f8b9a7d01" });
      expect(raw).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(raw)).toEqual({ value, id: "0b6c1c1e-4d1f-4c55-9a5e-1c0f8b9a7d01" });
    }
  });

  it("refuses anything it did not make with a 422", () => {
    for (const raw of ["", "not-base64-json", Buffer.from('{"a":1}').toString("base64url"), Buffer.from("[1,2]").toString("base64url")]) {
      expect(() => decodeCursor(raw)).toThrow(AppError);
    }
  });
});
