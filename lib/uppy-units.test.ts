// Uppy formats sizes with @transloadit/prettier-bytes, patched (patches/README.md) so that the
// Dashboard says "40.0 MiB" where Valet's pages do, not "40 MB" for the same bytes.
import { prettierBytes } from "@transloadit/prettier-bytes";
import { describe, expect, it } from "vitest";

import { formatBytes } from "./format";
import { GiB, KiB, MiB } from "./units";

describe("Uppy's sizes and Valet's", () => {
  it("use the same units and digits", () => {
    for (const bytes of [1, 999, KiB, 1536, 40 * MiB, 5.5 * MiB, 123.4 * MiB, 2 * GiB, 5 * 1024 * GiB]) {
      expect(prettierBytes(bytes)).toBe(formatBytes(bytes));
    }
    expect(prettierBytes(40 * MiB)).toBe("40.0 MiB");
  });
});
