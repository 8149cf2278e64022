import "server-only";

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

import { env } from "./env";

// Webhook signing secrets (Standard Webhooks: "whsec_" + base64 key bytes), how Valet keeps them
// (AES-256-GCM under a key derived from AUTH_SECRET, so a database dump alone cannot forge
// deliveries), and the signature every delivery carries.

/** 32 random bytes: the HMAC-SHA256 block is 64, Standard Webhooks asks for 24 to 64. */
const SECRET_BYTES = 32;
const SECRET_PREFIX = "whsec_";
/** Stored form: "v1:" + base64(iv ‖ tag ‖ ciphertext); the version leaves room for another scheme. */
const STORED_PREFIX = "v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString("base64")}`;
}

/** A key of its own for webhook secrets: AUTH_SECRET itself also signs sessions. */
function encryptionKey(authSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", authSecret, "valet", "webhook-secret-encryption", 32));
}

export function encryptWebhookSecret(secret: string, authSecret = env().AUTH_SECRET): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", encryptionKey(authSecret), iv);
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return `${STORED_PREFIX}${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64")}`;
}

/** Throws when the stored value was altered or AUTH_SECRET has changed since it was written. */
export function decryptWebhookSecret(stored: string, authSecret = env().AUTH_SECRET): string {
  if (!stored.startsWith(STORED_PREFIX)) throw new Error("The webhook secret is not in a form Valet stores.");
  const raw = Buffer.from(stored.slice(STORED_PREFIX.length), "base64");
  const decipher = createDecipheriv("aes-256-gcm", encryptionKey(authSecret), raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
}

/**
 * The webhook-signature header's value: "v1," + base64 HMAC-SHA256 of "id.timestamp.body", keyed
 * with the secret's base64-decoded bytes (Standard Webhooks).
 */
export function signWebhook(args: { secret: string; id: string; timestampSeconds: number; body: string }): string {
  const key = Buffer.from(args.secret.startsWith(SECRET_PREFIX) ? args.secret.slice(SECRET_PREFIX.length) : args.secret, "base64");
  const mac = createHmac("sha256", key).update(`${args.id}.${args.timestampSeconds}.${args.body}`).digest("base64");
  return `v1,${mac}`;
}
