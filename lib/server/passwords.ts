import "server-only";

import os from "node:os";
import { hash, verify } from "@node-rs/argon2";

import { AppError } from "@/lib/errors";

// Password hashing with a bound on how much of the machine it may take. Argon2id as
// @node-rs/argon2 does it by default (m = 19 MiB, t = 2, p = 1) costs 13 ms of wall time and
// 16 ms of CPU per hash or verify here (2-core machine; 121 verifies/s with both cores busy). A
// flood of sign-ins (or sign-ups, or share-password guesses) would otherwise keep every core
// hashing. At most HASH_CONCURRENCY run at once (half the cores, at least one: ~75/s here), at most
// MAX_WAITING wait their turn, and anything beyond that is told to come back (503 busy). The
// rate limits in front of this refuse most of a flood before it ever hashes.

export const HASH_CONCURRENCY = Math.max(1, Math.floor(os.availableParallelism() / 2));
const MAX_WAITING = 64;

let running = 0;
const waiting: Array<() => void> = [];

async function bounded<T>(work: () => Promise<T>): Promise<T> {
  if (running >= HASH_CONCURRENCY) {
    if (waiting.length >= MAX_WAITING)
      throw new AppError("busy", "Valet is busy checking passwords right now. Try again in a moment.", { retryAfterSeconds: 1 });
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running += 1;
  }
  try {
    return await work();
  } finally {
    // Hand the slot straight to the next in line, or free it.
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

export function hashPassword(password: string): Promise<string> {
  return bounded(() => hash(password));
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return bounded(() => verify(passwordHash, password));
}
