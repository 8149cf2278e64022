import { describe, expect, it } from "vitest";

import { AppError } from "@/lib/errors";

import { createStorageProbe, storageUnavailable } from "./availability";
import { createS3Storage } from "./s3";

/** A ping whose outcome the test decides, one call at a time. */
function controlledPing() {
  const calls: Array<{ succeed(): void; fail(): void }> = [];
  const ping = () =>
    new Promise<void>((resolve, reject) => {
      calls.push({ succeed: () => resolve(), fail: () => reject(new Error("connect ECONNREFUSED")) });
    });
  return { ping, calls };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** What assertStorageAvailable (storage/index.ts) does with the probe's answer. */
function refusal(probe: { status(): string }): AppError | undefined {
  return probe.status() === "unavailable" ? storageUnavailable() : undefined;
}

describe("storage availability probe", () => {
  it("answers from its last look, without asking storage: 503 at once while down, again ok once a look succeeds", async () => {
    let now = 0;
    const { ping, calls } = controlledPing();
    const probe = createStorageProbe({ ping, intervalMs: 5_000, now: () => now });
    probe.start();
    expect(calls).toHaveLength(1);
    // Before the first answer, callers are let through (a just-started instance is not refused).
    expect(probe.status()).toBe("ok");
    calls[0]!.fail();
    await settle();
    const refused = refusal(probe);
    expect(refused).toBeInstanceOf(AppError);
    expect({ code: refused?.code, status: refused?.status, retryAfter: refused?.retryAfterSeconds }).toEqual({
      code: "storage_unavailable",
      status: 503,
      retryAfter: 5,
    });
    // Asking again costs no storage request.
    for (let i = 0; i < 100; i++) expect(refusal(probe)?.code).toBe("storage_unavailable");
    expect(calls).toHaveLength(1);

    now = 5_000;
    expect(await Promise.race([probe.check(), settle().then(() => "pending")])).toBe("pending");
    calls[1]!.succeed();
    await settle();
    expect(probe.status()).toBe("ok");
    expect(refusal(probe)).toBeUndefined();
    probe.stop();
  });

  it("is marked down by any storage call that goes unanswered, and up by one that is answered", () => {
    const { ping, calls } = controlledPing();
    const probe = createStorageProbe({ ping, intervalMs: 5_000, now: () => 0 });
    probe.noteUnreachable();
    expect(refusal(probe)?.code).toBe("storage_unavailable");
    probe.noteAnswered();
    expect(refusal(probe)).toBeUndefined();
    // Both were fresh looks: nothing made it ask storage itself.
    expect(calls).toHaveLength(0);
  });

  it("for /api/health, looks again only when its last look is older than the interval, one look at a time", async () => {
    let now = 0;
    const { ping, calls } = controlledPing();
    const probe = createStorageProbe({ ping, intervalMs: 5_000, now: () => now });
    const first = [probe.check(), probe.check(), probe.check()];
    expect(calls).toHaveLength(1);
    calls[0]!.succeed();
    expect(await Promise.all(first)).toEqual(["ok", "ok", "ok"]);
    now = 4_999;
    expect(await probe.check()).toBe("ok");
    expect(calls).toHaveLength(1);
    now = 5_000;
    const again = probe.check();
    calls[1]!.fail();
    expect(await again).toBe("unavailable");
  });

  it("keeps what a storage call saw over an older look that finished after it", async () => {
    let now = 0;
    const { ping, calls } = controlledPing();
    const probe = createStorageProbe({ ping, intervalMs: 5_000, now: () => now });
    const look = probe.check(); // starts at 0
    now = 10;
    probe.noteUnreachable(); // a completion found storage gone meanwhile
    now = 20;
    calls[0]!.succeed(); // the HEAD that left before it comes back fine
    await look;
    expect(probe.status()).toBe("unavailable");
  });

  it("without its timer (a module instance that never started it), the first caller after the interval starts the look", async () => {
    let now = 0;
    const { ping, calls } = controlledPing();
    const probe = createStorageProbe({ ping, intervalMs: 5_000, now: () => now });
    probe.noteAnswered();
    expect(probe.status()).toBe("ok");
    expect(calls).toHaveLength(0);
    now = 5_000;
    expect(probe.status()).toBe("ok"); // answers at once, from the last look …
    expect(calls).toHaveLength(1); // … and starts the next one
    probe.status();
    expect(calls).toHaveLength(1);
    calls[0]!.fail();
    await settle();
    expect(probe.status()).toBe("unavailable");
  });
});

describe("storage calls report to the probe", () => {
  it("a storage that does not answer is reported unreachable, and the call fails with 503", async () => {
    const seen: string[] = [];
    // Nothing listens on port 9 here: every request is refused.
    const storage = createS3Storage(
      {
        endpoint: "http://127.0.0.1:9",
        region: "us-east-1",
        bucket: "valet",
        forcePathStyle: true,
        credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
      },
      { noteUnreachable: () => seen.push("unreachable"), noteAnswered: () => seen.push("answered") },
    );
    await expect(storage.headObject("users/u/k")).rejects.toMatchObject({ code: "storage_unavailable", status: 503 });
    await expect(storage.ping()).rejects.toMatchObject({ code: "storage_unavailable" });
    expect(seen).toEqual(["unreachable", "unreachable"]);
  });
});
