import { describe, expect, it } from "vitest";

import { AWAIT_JOBS_FOR_MS, formatDuration, isAwaitingJobs, isWorkerSilent } from "./jobs";

describe("isAwaitingJobs", () => {
  const now = Date.parse("2026-11-30T10:00:00Z");
  const justNow = new Date(now - 5000).toISOString();
  const file = { type: "image/png", thumbnail: false, sha256: null, completedAt: justNow };

  it("waits for a fresh file's checksum, and a fresh picture's thumbnail", () => {
    expect(isAwaitingJobs(file, now)).toBe(true);
    expect(isAwaitingJobs({ ...file, sha256: "ab" }, now)).toBe(true);
    expect(isAwaitingJobs({ ...file, sha256: "ab", thumbnail: true }, now)).toBe(false);
    expect(isAwaitingJobs({ ...file, type: "text/plain", sha256: "ab" }, now)).toBe(false);
    expect(isAwaitingJobs({ ...file, type: "text/plain" }, now)).toBe(true);
    // SVG is never thumbnailed: nothing to wait for once the checksum is there.
    expect(isAwaitingJobs({ ...file, type: "image/svg+xml", sha256: "ab" }, now)).toBe(false);
  });

  it("stops waiting AWAIT_JOBS_FOR_MS after completion", () => {
    expect(isAwaitingJobs({ ...file, completedAt: new Date(now - AWAIT_JOBS_FOR_MS).toISOString() }, now)).toBe(true);
    expect(isAwaitingJobs({ ...file, completedAt: new Date(now - AWAIT_JOBS_FOR_MS - 1).toISOString() }, now)).toBe(false);
    expect(isAwaitingJobs({ ...file, completedAt: null }, now)).toBe(false);
  });
});

describe("formatDuration", () => {
  it("picks the unit", () => {
    expect(formatDuration(0)).toBe("0 ms");
    expect(formatDuration(849.6)).toBe("850 ms");
    expect(formatDuration(4210)).toBe("4.2 s");
    expect(formatDuration(42_400)).toBe("42 s");
    expect(formatDuration(185_000)).toBe("3 min 5 s");
    expect(formatDuration(180_000)).toBe("3 min");
    expect(formatDuration(7_800_000)).toBe("2 h 10 min");
    expect(formatDuration(7_200_000)).toBe("2 h");
  });
  it("shows a dash for no value", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(Number.NaN)).toBe("—");
    expect(formatDuration(-1)).toBe("—");
  });
});

describe("isWorkerSilent", () => {
  const now = new Date("2026-11-30T10:00:00Z");
  it("is silent after two missed heartbeats (staleAfter / 6 each)", () => {
    // staleAfter 60 s: a heartbeat every 10 s, silent after 20 s.
    expect(isWorkerSilent(new Date(now.getTime() - 20_000), now, 60)).toBe(false);
    expect(isWorkerSilent(new Date(now.getTime() - 20_001), now, 60)).toBe(true);
    // Heartbeats are at least 1 s apart however small the setting.
    expect(isWorkerSilent(new Date(now.getTime() - 1500), now, 1)).toBe(false);
    expect(isWorkerSilent(new Date(now.getTime() - 2500), now, 1)).toBe(true);
  });
});
