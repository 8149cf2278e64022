// Sign-in with an OpenID Connect provider, against a real one (oidc-provider, started by `npm test`
// as the app's OIDC_ISSUER): the whole round trip with fetch, one redirect at a time, and each way
// it must be refused — a tampered state, a replayed code, an ID token for another client or from
// another issuer, an unverified email meeting a password account, a disabled account, a domain that
// is not allowed, passwords turned off. Each refusal test also shows the same flow untampered
// succeeding, so that it cannot pass by refusing everything.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ApiClient } from "../helpers/api-client";
import { appInstance, type AppInstance } from "../helpers/app-instance";
import { finishOidcSignIn, IDP_ISSUER, newIdpUser, oidcSignIn, registerIdpClient, setIdpAccount, startOidcSignIn } from "../helpers/oidc";
import { APP_URL, sql } from "./context";

const PASSWORD = "correct horse battery";

async function identityRow(sub: string) {
  const { rows } = await sql.query(
    `SELECT i."userId", i.issuer, u.email, u.role, u."passwordHash" FROM "Identity" i JOIN "User" u ON u.id = i."userId" WHERE i.subject = $1`,
    [sub],
  );
  return rows[0] as { userId: string; issuer: string; email: string; role: string; passwordHash: string | null } | undefined;
}

async function auditDetails(userId: string, action: string): Promise<Array<Record<string, unknown>>> {
  const { rows } = await sql.query(`SELECT detail FROM "AuditEvent" WHERE action = $2 AND ("actorUserId" = $1 OR detail->>'userId' = $1::text) ORDER BY id`, [
    userId,
    action,
  ]);
  return rows.map((r: { detail: Record<string, unknown> }) => r.detail);
}

const errorOf = (location: URL | null) => (location?.pathname === "/sign-in" ? location.searchParams.get("error") : null);

describe("sign-in with the identity provider", () => {
  it("makes an account at the first sign-in, keyed by issuer and subject, whose session works like any other", async () => {
    const user = await newIdpUser({ name: "Nora First" });
    const app = new ApiClient(APP_URL);
    const result = await oidcSignIn(app, user);
    expect(result).toMatchObject({ status: 302, hasSession: true });
    expect(result.location?.pathname).toBe("/files");
    const row = await identityRow(user.sub);
    expect(row).toMatchObject({ issuer: IDP_ISSUER, email: user.email, role: "USER", passwordHash: null });
    // The session is Valet's user: the API answers for it, and the audit says how it came in.
    expect((await app.json("GET", "/api/files")).status).toBe(200);
    expect(await auditDetails(row!.userId, "user.signed_in")).toEqual([{ method: "oidc", issuer: IDP_ISSUER }]);
    // A second sign-in finds the same account (by subject), it makes no other.
    const again = await oidcSignIn(new ApiClient(APP_URL), user);
    expect(again.hasSession).toBe(true);
    expect((await identityRow(user.sub))!.userId).toBe(row!.userId);
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM "User" WHERE email = $1`, [user.email]);
    expect(rows[0].n).toBe(1);
    // No password signs it in: refused like a wrong password, not an error.
    const local = new ApiClient(APP_URL);
    expect((await local.json("POST", "/api/sign-in", { email: user.email, password: "anything at all" })).status).toBe(401);
  });

  it("refuses a callback whose state is not the one this browser was given", async () => {
    const user = await newIdpUser();
    const app = new ApiClient(APP_URL);
    const callback = await startOidcSignIn(app, user);
    const tampered = new URL(callback);
    tampered.searchParams.set("state", `${callback.searchParams.get("state")}x`);
    const refused = await finishOidcSignIn(app, tampered);
    expect(refused.hasSession).toBe(false);
    expect(errorOf(refused.location)).toBeTruthy();
    expect(await identityRow(user.sub)).toBeUndefined();
    expect((await app.json("GET", "/api/files")).status).toBe(401);
    // The same flow, untouched, signs in.
    const fresh = new ApiClient(APP_URL);
    expect((await finishOidcSignIn(fresh, await startOidcSignIn(fresh, user))).hasSession).toBe(true);
  });

  it("refuses a replayed authorization code, even with the cookies of the browser it was for", async () => {
    const user = await newIdpUser();
    const app = new ApiClient(APP_URL);
    const callback = await startOidcSignIn(app, user);
    // An attacker who copied the browser's state and PKCE cookies and the callback URL.
    const thief = app.on(APP_URL);
    expect((await finishOidcSignIn(app, callback)).hasSession).toBe(true);
    const replay = await finishOidcSignIn(thief, callback);
    expect(replay.hasSession).toBe(false);
    expect(errorOf(replay.location)).toBeTruthy();
    expect((await thief.json("GET", "/api/files")).status).toBe(401);
  });

  it("refuses an ID token issued for another client, or by another issuer", async () => {
    for (const forgery of ["aud", "iss"] as const) {
      const user = await newIdpUser({ forgeIdToken: forgery });
      const app = new ApiClient(APP_URL);
      const refused = await oidcSignIn(app, user);
      expect(refused.hasSession, forgery).toBe(false);
      expect(errorOf(refused.location), forgery).toBeTruthy();
      expect(await identityRow(user.sub), forgery).toBeUndefined();
      // The same account with honest tokens gets in: only the forged claim was refused.
      await setIdpAccount(user.username, { password: user.password, sub: user.sub, email: user.email, email_verified: true, forgeIdToken: null });
      expect((await oidcSignIn(new ApiClient(APP_URL), user)).hasSession, forgery).toBe(true);
    }
  });

  it("never links by an unverified email: no session, no link, no second account", async () => {
    const email = `local-${randomUUID()}@example.test`;
    const local = new ApiClient(APP_URL);
    await local.signUp(email, PASSWORD);
    const user = await newIdpUser({ email, email_verified: false });
    const app = new ApiClient(APP_URL);
    const refused = await oidcSignIn(app, user);
    expect(refused.hasSession).toBe(false);
    expect(errorOf(refused.location)).toBe("email_unverified");
    expect(await identityRow(user.sub)).toBeUndefined();
    expect(app.cookieList().some(([name]) => name.endsWith("valet.pending-link"))).toBe(false);
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM "User" WHERE email = $1`, [email]);
    expect(rows[0].n).toBe(1);
    // The sign-in page says why, in words.
    const page = await (await app.request(`${refused.location!.pathname}${refused.location!.search}`)).text();
    expect(page).toContain("has not confirmed that the address is yours");
  });

  it("links a verified email to the password account only after that password is proved once", async () => {
    const email = `local-${randomUUID()}@example.test`;
    const local = new ApiClient(APP_URL);
    await local.signUp(email, PASSWORD);
    const { rows: before } = await sql.query(`SELECT id FROM "User" WHERE email = $1`, [email]);
    const user = await newIdpUser({ email, email_verified: true, groups: [] });
    const app = new ApiClient(APP_URL);
    const pending = await oidcSignIn(app, user);
    // Not signed in by the matching email: sent to prove the password.
    expect(pending.hasSession).toBe(false);
    expect(pending.location?.pathname).toBe("/sign-in/link");
    expect(await (await app.request("/sign-in/link")).text()).toContain(email);
    // Another browser (no pending-link cookie) cannot finish it, even with the right password.
    const other = new ApiClient(APP_URL);
    expect((await other.json("POST", "/api/sign-in/link", { password: PASSWORD })).body.error.code).toBe("invalid_state");
    // A wrong password: back to the form, nothing linked.
    const wrong = await app.request("/api/sign-in/link", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "password=not+the+password",
    });
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get("location")).toBe("/sign-in/link?error=invalid_credentials");
    expect(await identityRow(user.sub)).toBeUndefined();
    // The right one: linked to that account, signed in.
    const linked = await app.request("/api/sign-in/link", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `password=${encodeURIComponent(PASSWORD)}`,
    });
    expect(linked.status).toBe(303);
    expect(linked.headers.get("location")).toBe("/files");
    expect((await app.json("GET", "/api/files")).status).toBe(200);
    const row = await identityRow(user.sub);
    expect(row?.userId).toBe(before[0].id);
    expect(await auditDetails(row!.userId, "user.identity_linked")).toEqual([{ method: "oidc", issuer: IDP_ISSUER, subject: user.sub, proof: "password" }]);
    // From then on the provider signs in straight away; the password still works too.
    expect(await oidcSignIn(new ApiClient(APP_URL), user)).toMatchObject({ hasSession: true });
    expect(await new ApiClient(APP_URL).signIn(email, PASSWORD)).toBe(true);
  });

  it("lets the operator link an identity the provider never verified an email for, from the refusal's audit row", async () => {
    const email = `local-${randomUUID()}@example.test`;
    await new ApiClient(APP_URL).signUp(email, PASSWORD);
    // As Entra ID does: no email_verified claim at all.
    const user = await newIdpUser({ email, email_verified: undefined });
    expect(errorOf((await oidcSignIn(new ApiClient(APP_URL), user)).location)).toBe("email_unverified");
    const { rows } = await sql.query(`SELECT detail FROM "AuditEvent" WHERE action = 'user.sign_in_refused' AND detail->>'subject' = $1`, [user.sub]);
    const refusal = rows[0].detail as { issuer: string; subject: string };
    const link = (...extra: string[]) =>
      spawnSync("npx", ["tsx", "--conditions=react-server", "scripts/admin.ts", "link", email, refusal.issuer, refusal.subject, ...extra], {
        env: process.env,
        encoding: "utf8",
      });
    // The account has a password that anyone could have set (emails are not verified at sign-up):
    // refused as it is, with what the operator needs to decide, and nothing linked.
    const refused = link();
    expect(refused.status, refused.stdout).toBe(1);
    expect(refused.stderr).toContain("has a password");
    expect(refused.stderr).toContain("--drop-password");
    expect(await identityRow(user.sub)).toBeUndefined();
    expect(await new ApiClient(APP_URL).signIn(email, PASSWORD)).toBe(true);
    // With --drop-password: linked, and the password no longer signs in.
    const cli = link("--drop-password");
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toContain("password was removed");
    expect(cli.stdout).toContain(`${email} now also signs in as ${user.sub}`);
    expect(await oidcSignIn(new ApiClient(APP_URL), user)).toMatchObject({ hasSession: true });
    expect(await identityRow(user.sub)).toMatchObject({ email, passwordHash: null });
    expect(await new ApiClient(APP_URL).signIn(email, PASSWORD)).toBe(false);
  });

  it("makes no account from an unverified email: the address stays free for its owner", async () => {
    const user = await newIdpUser({ email_verified: false });
    const app = new ApiClient(APP_URL);
    const refused = await oidcSignIn(app, user);
    expect(refused.hasSession).toBe(false);
    expect(errorOf(refused.location)).toBe("sign_up_unverified_email");
    expect(await identityRow(user.sub)).toBeUndefined();
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM "User" WHERE email = $1`, [user.email]);
    expect(rows[0].n).toBe(0);
    const page = await (await app.request(`${refused.location!.pathname}${refused.location!.search}`)).text();
    expect(page).toContain("will not create an account");
    // The same account, once the provider verifies the address, gets one.
    await setIdpAccount(user.username, { password: user.password, sub: user.sub, email: user.email, email_verified: true });
    expect((await oidcSignIn(new ApiClient(APP_URL), user)).hasSession).toBe(true);
  });

  it("refuses a disabled account at the callback", async () => {
    const user = await newIdpUser();
    expect((await oidcSignIn(new ApiClient(APP_URL), user)).hasSession).toBe(true);
    const { userId } = (await identityRow(user.sub))!;
    await sql.query(`UPDATE "User" SET "disabledAt" = now() WHERE id = $1`, [userId]);
    const refused = await oidcSignIn(new ApiClient(APP_URL), user);
    expect(refused.hasSession).toBe(false);
    expect(errorOf(refused.location)).toBe("account_disabled");
    expect((await auditDetails(userId, "user.sign_in_refused")).map((d) => d.reason)).toEqual(["account_disabled"]);
  });

  it("refuses an address outside OIDC_ALLOWED_DOMAINS, and makes no account for it", async () => {
    const user = await newIdpUser({ email: `someone-${randomUUID()}@elsewhere.test` });
    const refused = await oidcSignIn(new ApiClient(APP_URL), user);
    expect(refused.hasSession).toBe(false);
    expect(errorOf(refused.location)).toBe("domain_not_allowed");
    expect(await identityRow(user.sub)).toBeUndefined();
  });

  it("makes members of an admin group administrators, and takes it away once they leave the group", async () => {
    const user = await newIdpUser({ groups: ["staff", "valet-admins"] });
    const admin = new ApiClient(APP_URL);
    expect((await oidcSignIn(admin, user)).hasSession).toBe(true);
    const { userId } = (await identityRow(user.sub))!;
    expect((await identityRow(user.sub))!.role).toBe("ADMIN");
    expect((await admin.json("GET", "/api/admin/users")).status).toBe(200);
    // The console cannot change a role the groups decide (it would be undone at the next sign-in).
    const listed = (await admin.json("GET", `/api/admin/users?q=${encodeURIComponent(user.email)}`)).body.users[0];
    expect(listed).toMatchObject({ signInMethods: ["Test IdP"], isRoleFromProvider: true });
    // A promotion would be undone at the next sign-in: refused.
    const other = await newIdpUser({ groups: ["staff"] });
    expect((await oidcSignIn(new ApiClient(APP_URL), other)).hasSession).toBe(true);
    const otherId = (await identityRow(other.sub))!.userId;
    expect((await admin.json("PATCH", `/api/admin/users/${otherId}`, { role: "ADMIN" })).status).toBe(409);

    await setIdpAccount(user.username, { password: user.password, sub: user.sub, email: user.email, email_verified: true, groups: ["staff"] });
    const again = new ApiClient(APP_URL);
    expect((await oidcSignIn(again, user)).hasSession).toBe(true);
    expect((await identityRow(user.sub))!.role).toBe("USER");
    const refused = await again.json("GET", "/api/admin/users");
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("forbidden");
    // The older session is the same user: it lost the role too (every request re-reads it).
    expect((await admin.json("GET", "/api/admin/users")).status).toBe(403);
    expect((await auditDetails(userId, "user.role_changed")).map((d) => [d.from, d.to, d.via])).toEqual([
      ["USER", "ADMIN", "oidc-groups"],
      ["ADMIN", "USER", "oidc-groups"],
    ]);
  });

  it("lets no password sign-in carry a role the groups gave, and lets the console demote a group-governed admin", async () => {
    const email = `local-${randomUUID()}@example.test`;
    await new ApiClient(APP_URL).signUp(email, PASSWORD);
    const user = await newIdpUser({ email, email_verified: true, groups: ["valet-admins"] });
    const app = new ApiClient(APP_URL);
    expect((await oidcSignIn(app, user)).location?.pathname).toBe("/sign-in/link");
    const linked = await app.request("/api/sign-in/link", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `password=${encodeURIComponent(PASSWORD)}`,
    });
    expect(linked.headers.get("location")).toBe("/files");
    const { userId } = (await identityRow(user.sub))!;
    expect((await identityRow(user.sub))!.role).toBe("ADMIN");

    // The provider takes them out of the admin group; they sign in with their Valet password.
    await setIdpAccount(user.username, { password: user.password, sub: user.sub, email, email_verified: true, groups: ["staff"] });
    const local = new ApiClient(APP_URL);
    expect(await local.signIn(email, PASSWORD)).toBe(true);
    expect((await identityRow(user.sub))!.role).toBe("USER");
    expect((await local.json("GET", "/api/admin/users")).status).toBe(403);
    expect((await app.json("GET", "/api/admin/users")).status).toBe(403);
    expect((await auditDetails(userId, "user.role_changed")).map((d) => [d.from, d.to, d.via])).toEqual([
      ["USER", "ADMIN", "oidc-groups"],
      ["ADMIN", "USER", "password-sign-in"],
    ]);
    // Back in the group, the next sign-in with the provider gives the role back.
    await setIdpAccount(user.username, { password: user.password, sub: user.sub, email, email_verified: true, groups: ["valet-admins"] });
    expect((await oidcSignIn(new ApiClient(APP_URL), user)).hasSession).toBe(true);
    expect((await identityRow(user.sub))!.role).toBe("ADMIN");

    // Another admin demotes this group-governed admin from the console: allowed now, at once.
    const other = new ApiClient(APP_URL);
    expect((await oidcSignIn(other, await newIdpUser({ groups: ["valet-admins"] }))).hasSession).toBe(true);
    const demoted = await other.json("PATCH", `/api/admin/users/${userId}`, { role: "USER" });
    expect(demoted.status, JSON.stringify(demoted.body)).toBe(200);
    expect((await identityRow(user.sub))!.role).toBe("USER");
    expect((await app.json("GET", "/api/admin/users")).status).toBe(403);
  });

  it("audits a wrong password at the link form", async () => {
    const email = `local-${randomUUID()}@example.test`;
    await new ApiClient(APP_URL).signUp(email, PASSWORD);
    const { rows } = await sql.query(`SELECT id FROM "User" WHERE email = $1`, [email]);
    const user = await newIdpUser({ email, email_verified: true, groups: [] });
    const app = new ApiClient(APP_URL);
    expect((await oidcSignIn(app, user)).location?.pathname).toBe("/sign-in/link");
    await app.request("/api/sign-in/link", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "password=not+the+password",
    });
    expect((await auditDetails(rows[0].id, "user.sign_in_refused")).map((d) => [d.reason, d.subject])).toEqual([["wrong_link_password", user.sub]]);
  });
});

describe("with LOCAL_SIGNIN=false and SIGN_UP=false", () => {
  let closed: AppInstance;

  beforeAll(async () => {
    closed = await appInstance({
      ...process.env,
      NODE_ENV: "production",
      LOCAL_SIGNIN: "false",
      SIGN_UP: "false",
      OIDC_CLIENT_ID: "valet-closed",
      OIDC_CLIENT_SECRET: "closed-instance-secret-0123456789",
      // The bucket belongs to the main instance; nothing here needs the reconciler.
      S3_SETUP_BUCKET: "false",
      RECONCILE_INTERVAL_SECONDS: "0",
    });
    await registerIdpClient("valet-closed", { client_secret: "closed-instance-secret-0123456789", redirect_uris: [`${closed.url}/api/auth/callback/oidc`] });
    await closed.start();
  }, 90_000);

  afterAll(async () => {
    await closed?.stop();
  });

  it("refuses every password way in, Auth.js's credentials endpoint included", async () => {
    const email = `local-${randomUUID()}@example.test`;
    await new ApiClient(APP_URL).signUp(email, PASSWORD);
    const client = new ApiClient(closed.url);
    const csrf = await client.json<{ csrfToken: string }>("GET", "/api/auth/csrf");
    const credentials = await client.request("/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken: csrf.body.csrfToken, email, password: PASSWORD, callbackUrl: "/files" }).toString(),
    });
    expect(credentials.status).toBe(403);
    expect(((await credentials.json()) as { error: { code: string } }).error.code).toBe("password_sign_in_disabled");
    expect(client.cookieList().some(([name]) => name.endsWith("authjs.session-token"))).toBe(false);
    const form = await client.json("POST", "/api/sign-in", { email, password: PASSWORD });
    expect([form.status, form.body.error.code]).toEqual([403, "password_sign_in_disabled"]);
    const signUp = await client.json("POST", "/api/users", { email: `new-${randomUUID()}@example.test`, password: PASSWORD });
    expect([signUp.status, signUp.body.error.code]).toEqual([403, "password_sign_in_disabled"]);
    // The same password on the main instance (passwords on) still works: it is the setting that refuses.
    expect(await new ApiClient(APP_URL).signIn(email, PASSWORD)).toBe(true);
    // The page offers the provider alone.
    const page = await (await client.request("/sign-in")).text();
    expect(page).toMatch(/Sign in with (<!-- -->)?Test IdP/);
    expect(page).not.toContain('name="password"');
  });

  it("signs in known identities with the provider, and makes no new accounts", async () => {
    const known = await newIdpUser();
    expect((await oidcSignIn(new ApiClient(APP_URL), known)).hasSession).toBe(true);
    const client = new ApiClient(closed.url);
    expect(await oidcSignIn(client, known)).toMatchObject({ hasSession: true });
    expect((await client.json("GET", "/api/files")).status).toBe(200);

    const stranger = await newIdpUser();
    const refused = await oidcSignIn(new ApiClient(closed.url), stranger);
    expect(refused.hasSession).toBe(false);
    expect(errorOf(refused.location)).toBe("sign_up_closed");
    expect(await identityRow(stranger.sub)).toBeUndefined();
  });
});
