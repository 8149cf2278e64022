import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";

import { decryptWebhookSecret, encryptWebhookSecret, generateWebhookSecret, signWebhook } from "./webhook-crypto";

const AUTH_SECRET = "a-test-auth-secret-of-at-least-32-characters";

describe("webhook signatures", () => {
  it("verify with the standardwebhooks library (an independent implementation)", () => {
    const secret = generateWebhookSecret();
    const id = "0b4c2e52-7f1c-4a41-9b0e-7c2b0b3f9d11";
    const timestampSeconds = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: "upload.ready", timestamp: new Date().toISOString(), data: { file: { name: "ünïcode ✓.txt" } } });
    const headers = {
      "webhook-id": id,
      "webhook-timestamp": String(timestampSeconds),
      "webhook-signature": signWebhook({ secret, id, timestampSeconds, body }),
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("fail verification when the body, id, timestamp or secret differ", () => {
    const secret = generateWebhookSecret();
    const id = "msg_1";
    const timestampSeconds = Math.floor(Date.now() / 1000);
    const body = '{"type":"file.deleted"}';
    const headers = {
      "webhook-id": id,
      "webhook-timestamp": String(timestampSeconds),
      "webhook-signature": signWebhook({ secret, id, timestampSeconds, body }),
    };
    expect(() => new Webhook(secret).verify('{"type":"file.deleted "}', headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-id": "msg_2" })).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-timestamp": String(timestampSeconds - 1) })).toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
  });

  it("match a known vector (key = the base64-decoded part after whsec_)", () => {
    // From the Standard Webhooks specification's example.
    const signature = signWebhook({
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestampSeconds: 1614265330,
      body: '{"test": 2432232314}',
    });
    expect(signature).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });
});

describe("webhook secrets", () => {
  it("are whsec_ and 32 random bytes in base64", () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), "base64")).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it("round-trip through encryption, which never stores the secret readably", () => {
    const secret = generateWebhookSecret();
    const stored = encryptWebhookSecret(secret, AUTH_SECRET);
    expect(stored).toMatch(/^v1:/);
    expect(stored).not.toContain(secret.slice(6));
    expect(Buffer.from(stored.slice(3), "base64").toString("latin1")).not.toContain(secret.slice(6, 20));
    expect(encryptWebhookSecret(secret, AUTH_SECRET)).not.toBe(stored);
    expect(decryptWebhookSecret(stored, AUTH_SECRET)).toBe(secret);
  });

  it("refuse to decrypt under another AUTH_SECRET or after tampering", () => {
    const stored = encryptWebhookSecret(generateWebhookSecret(), AUTH_SECRET);
    expect(() => decryptWebhookSecret(stored, `${AUTH_SECRET}-rotated`)).toThrow();
    const raw = Buffer.from(stored.slice(3), "base64");
    raw[raw.length - 1]! ^= 1;
    expect(() => decryptWebhookSecret(`v1:${raw.toString("base64")}`, AUTH_SECRET)).toThrow();
    expect(() => decryptWebhookSecret("plain-secret", AUTH_SECRET)).toThrow(/not in a form/);
  });
});
