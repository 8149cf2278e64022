import { describe, expect, it } from "vitest";

import { safeNextPath } from "./users";

describe("safeNextPath", () => {
  it("keeps a path on this site, query included", () => {
    expect(safeNextPath("/setup?token=abc_-1")).toBe("/setup?token=abc_-1");
    expect(safeNextPath("/files/0b6c1c1e-4d1f-4c55-9a5e-1c0f8b9a7d01")).toBe("/files/0b6c1c1e-4d1f-4c55-9a5e-1c0f8b9a7d01");
    // Resolved as the browser resolves it.
    expect(safeNextPath("/files/../settings?a=1")).toBe("/settings?a=1");
  });

  it("never leads to another site, the API, or anything odd: My files instead", () => {
    for (const bad of [
      "//evil.example",
      "/\\evil.example",
      "https://evil.example",
      "evil.example",
      "/api/tokens",
      "/api",
      "/files/../api/tokens",
      "/./api/tokens",
      "/%2e%2e/api/tokens",
      "/files/%2E%2E/api/tokens",
      "/.//evil.example",
      "/x/..//evil.example",
      "/a b",
      "/a\tb",
      "/€",
      "/é",
      "/a\\b",
      "",
      undefined,
      42,
      `/${"x".repeat(1000)}`,
    ]) {
      expect(safeNextPath(bad)).toBe("/files");
    }
  });
});
