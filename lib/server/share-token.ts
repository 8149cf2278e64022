import "server-only";

import { createHash, randomBytes } from "node:crypto";

/** 256 random bits, URL-safe: 43 characters. */
export function generateShareToken(): string {
  return randomBytes(32).toString("base64url");
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function isWellFormedShareToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** Tokens carry 256 bits of entropy, so a fast hash is enough: nothing to brute-force offline. */
export function hashShareToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
