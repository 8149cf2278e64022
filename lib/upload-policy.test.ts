import { describe, expect, it } from "vitest";

import { GiB, MiB, TiB } from "./units";
import { DEFAULT_PART_BYTES, MAX_PARTS, MIN_PART_BYTES, MULTIPART_THRESHOLD_BYTES, partLength, planUpload } from "./upload-policy";

describe("planUpload", () => {
  it("sends files up to the threshold as one request", () => {
    expect(planUpload(1)).toEqual({ strategy: "single", partSize: 1, partCount: 1 });
    expect(planUpload(MULTIPART_THRESHOLD_BYTES)).toEqual({ strategy: "single", partSize: MULTIPART_THRESHOLD_BYTES, partCount: 1 });
  });

  it("splits larger files into default-sized parts", () => {
    expect(planUpload(MULTIPART_THRESHOLD_BYTES + 1)).toEqual({ strategy: "multipart", partSize: DEFAULT_PART_BYTES, partCount: 3 });
    expect(planUpload(24 * MiB)).toEqual({ strategy: "multipart", partSize: 8 * MiB, partCount: 3 });
    expect(planUpload(1 * GiB)).toEqual({ strategy: "multipart", partSize: 8 * MiB, partCount: 128 });
  });

  it("keeps a 5 TiB file within 10,000 parts of whole MiB", () => {
    const plan = planUpload(5 * TiB);
    expect(plan.partCount).toBeLessThanOrEqual(MAX_PARTS);
    expect(plan.partSize % MiB).toBe(0);
    expect(plan).toEqual({ strategy: "multipart", partSize: 525 * MiB, partCount: 9987 });
  });

  it("never needs more than 10,000 parts nor parts below S3's minimum, at any size", () => {
    for (const size of [17 * MiB, 80 * GiB, 80 * GiB + 1, 1 * TiB - 7, 4.9 * TiB, 5 * TiB]) {
      const plan = planUpload(Math.floor(size));
      expect(plan.partCount).toBeLessThanOrEqual(MAX_PARTS);
      expect(plan.partSize).toBeGreaterThanOrEqual(MIN_PART_BYTES);
      expect(plan.partSize * (plan.partCount - 1)).toBeLessThan(Math.floor(size));
    }
  });

  it("refuses sizes that are not positive whole numbers", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => planUpload(bad)).toThrow(RangeError);
  });
});

describe("partLength", () => {
  it("gives full parts and a remainder for the last one", () => {
    const size = 20 * MiB;
    const plan = planUpload(size);
    expect([1, 2, 3].map((n) => partLength(plan, size, n))).toEqual([8 * MiB, 8 * MiB, 4 * MiB]);
  });

  it("gives a full last part when the size divides evenly", () => {
    const plan = planUpload(24 * MiB);
    expect(partLength(plan, 24 * MiB, 3)).toBe(8 * MiB);
  });

  it("refuses part numbers outside the plan", () => {
    const plan = planUpload(20 * MiB);
    for (const n of [0, 4, -1, 1.5]) expect(() => partLength(plan, 20 * MiB, n)).toThrow(RangeError);
  });
});
