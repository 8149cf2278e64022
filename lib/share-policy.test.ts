import { describe, expect, it } from "vitest";

import { AppError } from "./errors";
import {
  DAY_SECONDS,
  inlineContentType,
  isInlineSafe,
  PASSWORD_FAILURE_WINDOW_SECONDS,
  PASSWORD_MAX_FAILURES,
  passwordRetryAfter,
  previewKind,
  shareExpiry,
  shareStatus,
} from "./share-policy";

const now = new Date("2026-11-27T12:00:00Z");
const MAX = 30 * DAY_SECONDS;

describe("shareExpiry", () => {
  it("adds the requested seconds, defaulting to 7 days", () => {
    expect(shareExpiry(now, 3600, MAX).toISOString()).toBe("2026-11-27T13:00:00.000Z");
    expect(shareExpiry(now, undefined, MAX).toISOString()).toBe("2026-12-04T12:00:00.000Z");
    expect(shareExpiry(now, MAX, MAX).toISOString()).toBe("2026-12-27T12:00:00.000Z");
  });

  it("never defaults past the configured maximum", () => {
    expect(shareExpiry(now, undefined, DAY_SECONDS).toISOString()).toBe("2026-11-28T12:00:00.000Z");
  });

  it("refuses expiries below a minute, above the maximum, or fractional", () => {
    for (const bad of [0, 59, -5, MAX + 1, 90.5]) {
      expect(() => shareExpiry(now, bad, MAX)).toThrow(AppError);
    }
  });
});

describe("shareStatus", () => {
  const base = { revokedAt: null, expiresAt: new Date("2026-11-28T00:00:00Z"), maxDownloads: null, downloadCount: 0 };

  it("is active while unexpired, unrevoked and under its limit", () => {
    expect(shareStatus(base, now)).toBe("active");
    expect(shareStatus({ ...base, maxDownloads: 2, downloadCount: 1 }, now)).toBe("active");
  });

  it("is used up at the limit", () => {
    expect(shareStatus({ ...base, maxDownloads: 1, downloadCount: 1 }, now)).toBe("used_up");
  });

  it("is expired at the expiry instant", () => {
    expect(shareStatus({ ...base, expiresAt: now }, now)).toBe("expired");
  });

  it("names revocation first, then expiry, then use", () => {
    expect(shareStatus({ ...base, revokedAt: now, expiresAt: now, maxDownloads: 1, downloadCount: 1 }, now)).toBe("revoked");
    expect(shareStatus({ ...base, expiresAt: now, maxDownloads: 1, downloadCount: 1 }, now)).toBe("expired");
  });
});

describe("passwordRetryAfter", () => {
  it("allows attempts below the limit", () => {
    expect(passwordRetryAfter({ passwordFailures: PASSWORD_MAX_FAILURES - 1, failureWindowFrom: now }, now)).toBe(0);
    expect(passwordRetryAfter({ passwordFailures: 0, failureWindowFrom: null }, now)).toBe(0);
  });

  it("locks until the window ends once the limit is reached", () => {
    const opened = new Date(now.getTime() - 60_000);
    expect(passwordRetryAfter({ passwordFailures: PASSWORD_MAX_FAILURES, failureWindowFrom: opened }, now)).toBe(PASSWORD_FAILURE_WINDOW_SECONDS - 60);
    const old = new Date(now.getTime() - PASSWORD_FAILURE_WINDOW_SECONDS * 1000);
    expect(passwordRetryAfter({ passwordFailures: 50, failureWindowFrom: old }, now)).toBe(0);
  });
});

describe("inline safety", () => {
  it("renders images, PDF, audio, video and plain text inline", () => {
    for (const type of ["image/png", "image/jpeg", "application/pdf", "audio/mpeg", "video/mp4", "text/plain"]) expect(isInlineSafe(type)).toBe(true);
    expect(previewKind("image/webp")).toBe("image");
    expect(previewKind("application/pdf")).toBe("pdf");
    expect(previewKind("video/webm")).toBe("video");
  });

  it("never renders SVG, HTML or anything else inline", () => {
    for (const type of ["image/svg+xml", "text/html", "application/xhtml+xml", "application/zip", "text/csv", "application/json"]) {
      expect(isInlineSafe(type)).toBe(false);
      expect(previewKind(type)).toBeNull();
    }
  });

  it("serves plain text as UTF-8", () => {
    expect(inlineContentType("text/plain")).toBe("text/plain; charset=utf-8");
    expect(inlineContentType("image/png")).toBe("image/png");
  });
});
