import { describe, expect, it } from "vitest";

import { PartFailedError, runParts } from "./part-scheduler";

/** A part send the test finishes by hand: resolve(etag), reject(error), and whether it was aborted. */
interface Pending {
  partNumber: number;
  resolve: (etag: string) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal;
}

function controlledSend() {
  const started: Pending[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const waiters: Array<() => void> = [];
  const send = (partNumber: number, signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          inFlight -= 1;
          fn(v);
        };
      const pending = { partNumber, resolve: settle(resolve), reject: settle(reject), signal };
      signal.addEventListener("abort", () => pending.reject(signal.reason), { once: true });
      started.push(pending);
      waiters.splice(0).forEach((w) => w());
    });
  /** Resolves once `n` sends have started in total. */
  const startedAtLeast = async (n: number) => {
    while (started.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { send, started, startedAtLeast, inFlight: () => inFlight, maxInFlight: () => maxInFlight };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const noBackoff = () => 0;

describe("runParts", () => {
  it("keeps at most `concurrency` parts in flight, and starts the next as soon as one lands", async () => {
    const c = controlledSend();
    const run = runParts({ parts: range(10), concurrency: 4, send: c.send });
    await c.startedAtLeast(4);
    expect(c.started.map((p) => p.partNumber)).toEqual([1, 2, 3, 4]);
    expect(c.inFlight()).toBe(4);
    c.started[2]!.resolve("e3");
    await c.startedAtLeast(5);
    expect(c.started[4]!.partNumber).toBe(5);
    // Land the rest in the order they started; each landing lets the next one start.
    for (let i = 0; i < 10; i++) {
      if (i === 2) continue;
      await c.startedAtLeast(i + 1);
      c.started[i]!.resolve(`e${c.started[i]!.partNumber}`);
    }
    const etags = await run;
    expect(c.maxInFlight()).toBe(4);
    expect(c.started).toHaveLength(10);
    expect([...etags.keys()]).toEqual(range(10));
    expect(etags.get(3)).toBe("e3");
  });

  it("answers the ETags in part order whatever order the parts land in", async () => {
    const c = controlledSend();
    const run = runParts({ parts: range(3), concurrency: 3, send: c.send });
    await c.startedAtLeast(3);
    c.started[2]!.resolve("c");
    c.started[0]!.resolve("a");
    c.started[1]!.resolve("b");
    expect([...(await run).entries()]).toEqual([
      [1, "a"],
      [2, "b"],
      [3, "c"],
    ]);
  });

  it("retries a failed part on its own: the parts that landed are not sent again", async () => {
    const c = controlledSend();
    const run = runParts({ parts: range(4), concurrency: 2, send: c.send, retries: 1, backoffMs: noBackoff });
    await c.startedAtLeast(2);
    c.started[0]!.resolve("e1");
    c.started[1]!.reject(new Error("connection reset"));
    await c.startedAtLeast(4);
    // Part 3 started when part 1 landed, and part 2 again after its failure.
    expect(c.started.map((p) => p.partNumber).sort()).toEqual([1, 2, 2, 3]);
    for (const p of c.started.slice(2)) p.resolve(`e${p.partNumber}`);
    await c.startedAtLeast(5);
    c.started[4]!.resolve("e4");
    const etags = await run;
    expect([...etags.keys()]).toEqual([1, 2, 3, 4]);
    expect(c.started.filter((p) => p.partNumber === 1)).toHaveLength(1);
  });

  it("gives up on a part after its retries, aborts the parts in flight, and says which part failed", async () => {
    const c = controlledSend();
    const run = runParts({ parts: range(6), concurrency: 3, send: c.send, retries: 1, backoffMs: noBackoff });
    await c.startedAtLeast(3);
    c.started[0]!.reject(new Error("403 AccessDenied"));
    await c.startedAtLeast(4);
    c.started[3]!.reject(new Error("403 AccessDenied"));
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartFailedError);
    expect((error as PartFailedError).partNumber).toBe(1);
    expect((error as PartFailedError).attempts).toBe(2);
    expect(c.started[1]!.signal.aborted && c.started[2]!.signal.aborted).toBe(true);
    // Nothing new started after the failure.
    expect(c.started).toHaveLength(4);
  });

  it("abort: stops starting parts, aborts those in flight, and rejects with an AbortError", async () => {
    const c = controlledSend();
    const controller = new AbortController();
    const run = runParts({ parts: range(8), concurrency: 2, send: c.send, signal: controller.signal });
    await c.startedAtLeast(2);
    controller.abort();
    const error = await run.catch((e: unknown) => e);
    expect((error as Error).name).toBe("AbortError");
    expect(c.started.every((p) => p.signal.aborted)).toBe(true);
    expect(c.started).toHaveLength(2);
    expect(c.inFlight()).toBe(0);
  });
});
