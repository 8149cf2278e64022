import { describe, expect, it } from "vitest";

import { generateShareToken, hashShareToken, isWellFormedShareToken } from "./share-token";

describe("share tokens", () => {
  it("carry 256 random bits in 43 URL-safe characters", () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateShareToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, "base64url")).toHaveLength(32);
      expect(isWellFormedShareToken(token)).toBe(true);
    }
  });

  it("are stored only as a SHA-256 hash that does not contain the token", () => {
    const token = generateShareToken();
    const digest = hashShareToken(token);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest).toBe(hashShareToken(token));
    expect(digest).not.toContain(token);
    expect(hashShareToken(generateShareToken())).not.toBe(digest);
  });

  it("rejects malformed tokens before any lookup", () => {
    for (const bad of ["", "short", `${generateShareToken()}x`, "a".repeat(42) + "/", "../../etc/passwd"]) expect(isWellFormedShareToken(bad)).toBe(false);
  });
});
