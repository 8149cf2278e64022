// Session cookies in production: with an https APP_URL they are Secure and carry the __Secure-
// and __Host- prefixes, even when the app itself is reached over plain HTTP (behind a proxy).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";

import { ApiClient } from "../helpers/api-client";
import { appInstance } from "../helpers/app-instance";

const PASSWORD = "correct horse battery";

async function signInCookies(baseUrl: string) {
  const client = new ApiClient(baseUrl);
  const email = `user-${randomUUID()}@example.test`;
  await client.signUp(email, PASSWORD);
  const csrf = await client.request("/api/auth/csrf");
  const csrfCookies = csrf.headers.getSetCookie();
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const signedIn = await client.request("/api/auth/callback/credentials", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrfToken, email, password: PASSWORD }).toString(),
  });
  return { client, csrfCookies, sessionCookies: signedIn.headers.getSetCookie() };
}

describe("session cookies", () => {
  it("are Secure, HttpOnly and prefixed when APP_URL is https", async () => {
    const app = await appInstance({ ...process.env, NODE_ENV: "production", S3_SETUP_BUCKET: "false" });
    await app.start({ APP_URL: "https://valet.example", AUTH_URL: "https://valet.example" });
    try {
      const { client, csrfCookies, sessionCookies } = await signInCookies(app.url);
      expect(csrfCookies.find((c) => c.startsWith("__Host-authjs.csrf-token="))).toMatch(/;\s*Secure/i);
      const session = sessionCookies.find((c) => c.startsWith("__Secure-authjs.session-token="));
      expect(session).toMatch(/;\s*Secure/i);
      expect(session).toMatch(/;\s*HttpOnly/i);
      expect(session).toMatch(/;\s*SameSite=Lax/i);
      expect((await client.json("GET", "/api/files")).status).toBe(200);
    } finally {
      await app.stop();
    }
  });

  it("are plain on an http APP_URL, where a browser would drop a Secure cookie", async () => {
    const { sessionCookies } = await signInCookies(process.env.VALET_TEST_APP_URL!);
    const session = sessionCookies.find((c) => c.startsWith("authjs.session-token="));
    expect(session).toMatch(/;\s*HttpOnly/i);
    expect(session).not.toMatch(/;\s*Secure/i);
  });
});
