import { describe, expect, it } from "vitest";

import { AppError } from "@/lib/errors";

import { HASH_CONCURRENCY, hashPassword, verifyPassword } from "./passwords";

describe("bounded password hashing", () => {
  it("verifies what it hashed", async () => {
    const stored = await hashPassword("correct horse battery");
    expect(await verifyPassword(stored, "correct horse battery")).toBe(true);
    expect(await verifyPassword(stored, "Tr0ub4dor&3")).toBe(false);
  });

  it("queues beyond its concurrency and refuses (503 busy) beyond its queue, instead of taking every core", async () => {
    const stored = await hashPassword("x".repeat(8));
    const results = await Promise.allSettled(Array.from({ length: HASH_CONCURRENCY + 64 + 10 }, () => verifyPassword(stored, "wrong")));
    const refused = results.filter((r) => r.status === "rejected").map((r) => r.reason as AppError);
    expect(refused).toHaveLength(10);
    expect(refused.every((e) => e instanceof AppError && e.code === "busy" && e.status === 503 && e.retryAfterSeconds === 1)).toBe(true);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(HASH_CONCURRENCY + 64);
    // And it recovers: the queue drained, the next one runs.
    expect(await verifyPassword(stored, "x".repeat(8))).toBe(true);
  });
});
