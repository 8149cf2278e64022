// App-side access control against the production build: authorisation where the data is read
// (client-side navigation requests that skip layouts leak nothing), sign-in limits, admin only by
// the operator's hand, share-password attempts counted before they are checked, capped bodies,
// dead links that say nothing, scoped API tokens, client addresses that headers cannot choose.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createDatabase } from "../../scripts/lib/services";
import { ApiClient, randomIp, signedInClient } from "../helpers/api-client";
import { appInstance, type AppInstance } from "../helpers/app-instance";
import { PNG_1X1 } from "../helpers/fixtures";
import { expectError, unchanged } from "../helpers/state";
import { uploadFile } from "../helpers/valet-upload";
import { adminClient, APP_URL, sql, userIdOf } from "./context";

const PASSWORD = "correct horse battery";

/** A victim whose data must never show up anywhere it should not: a file, a link, audit rows with their address. */
async function seedVictim() {
  const { client, email } = await signedInClient(APP_URL);
  const name = `victim-secret-${randomUUID().slice(0, 8)}.png`;
  const { file, upload } = await uploadFile(client, PNG_1X1, { name, type: "image/png" });
  await client.json("POST", `/api/files/${file.id}/shares`, {});
  return { client, email, name, file, upload, ip: client.ip, userId: await userIdOf(email) };
}

// The header a client-side navigation sends: the route tree the browser already holds, so Next
// renders only the segments that change (a layout in that tree does not run again).
// Pages sit in route groups below the signed-in layout: (signed-in)/(app) and (signed-in)/(admin).
const tree = (group: string, segments: unknown[]) => {
  let node: unknown = ["__PAGE__", {}];
  for (const segment of [...segments].reverse()) node = [segment, { children: node }];
  for (const g of [group, "(signed-in)"]) node = [g, { children: node }];
  return encodeURIComponent(JSON.stringify(["", { children: node }]));
};

async function get(client: ApiClient, path: string, headers: Record<string, string> = {}) {
  const res = await client.request(path, { headers });
  return { status: res.status, body: await res.text() };
}

/** A client-side navigation request, as the browser sends it (Next first redirects it to add its `_rsc` cache key). */
async function rsc(client: ApiClient, path: string, routerTree: string, headers: Record<string, string> = {}) {
  const navigation = { rsc: "1", "next-router-state-tree": routerTree, "next-url": path, ...headers };
  const res = await client.request(path, { headers: navigation });
  const location = res.headers.get("location") ?? "";
  if (res.status === 307 && location.includes("_rsc=")) return get(client, location, navigation);
  return { status: res.status, body: await res.text() };
}

describe("authorisation with the data: navigation requests that skip layouts leak nothing", () => {
  let victim: Awaited<ReturnType<typeof seedVictim>>;
  beforeAll(async () => {
    victim = await seedVictim();
  });

  // Each page aimed at the victim, so that what it would leak is on it (checked as an admin).
  // (By ids and fragments that are not themselves among the secrets: a URL is echoed in the payload.)
  const adminPages = (): Array<[string, string]> => [
    [`/admin?q=${victim.file.id}`, tree("(admin)", ["admin", "users"])],
    [`/admin/users?q=${victim.email.split("@")[0]!.slice(5)}`, tree("(admin)", ["admin"])],
    [`/admin/audit?actor=${victim.userId}`, tree("(admin)", ["admin", "users"])],
  ];
  const secrets = () => [victim.email, victim.name, victim.upload.key, victim.ip];
  /** A refusal: a redirect or an error status, or, inside a navigation payload, the 403/404 or sign-in redirect it renders. */
  const isRefused = (res: { status: number; body: string }) =>
    [303, 307, 403, 404].includes(res.status) || /NEXT_HTTP_ERROR_FALLBACK;40[34]|NEXT_REDIRECT/.test(res.body);

  it("(control) an admin's navigation requests do carry that data", async () => {
    const { client } = await adminClient();
    for (const [path, routerTree] of adminPages()) {
      const res = await rsc(client, path, routerTree);
      expect(res.status).toBe(200);
      expect(res.body).toContain(victim.email);
    }
  });

  it.each([
    ["nobody (no cookie)", async () => ({ client: new ApiClient(APP_URL), headers: {} })],
    // Gets past the proxy's is-there-a-session-cookie fence, so the pages themselves must refuse.
    ["nobody (a junk session cookie)", async () => ({ client: new ApiClient(APP_URL), headers: { cookie: "authjs.session-token=junk" } })],
    ["an ordinary user", async () => ({ client: (await signedInClient(APP_URL)).client, headers: {} })],
  ])("admin pages, as %s", async (_, who) => {
    const { client, headers } = await who();
    for (const [path, routerTree] of adminPages()) {
      for (const res of [await rsc(client, path, routerTree, headers), await get(client, path, headers)]) {
        expect(isRefused(res)).toBe(true);
        for (const secret of secrets()) expect(res.body).not.toContain(secret);
      }
    }
  });

  it("owner pages: another user's file page, by navigation request or plain GET, is a 404 that names nothing", async () => {
    const { client } = await signedInClient(APP_URL);
    const fileTree = tree("(app)", ["files"]);
    for (const res of [await rsc(client, `/files/${victim.file.id}`, fileTree), await get(client, `/files/${victim.file.id}`)]) {
      expect(isRefused(res)).toBe(true);
      for (const secret of secrets()) expect(res.body).not.toContain(secret);
    }
    for (const path of ["/files", "/settings"]) {
      const res = await rsc(client, path, tree("(app)", ["files", ["id", victim.file.id, "d", null]]));
      expect(res.status).toBe(200);
      for (const secret of secrets()) expect(res.body).not.toContain(secret);
    }
    for (const headers of [{}, { cookie: "authjs.session-token=junk" }] as Array<Record<string, string>>) {
      const anonymous = await rsc(new ApiClient(APP_URL), `/files/${victim.file.id}`, fileTree, headers);
      expect(isRefused(anonymous)).toBe(true);
      expect(anonymous.body).not.toContain(victim.name);
    }
  });

  it("a malformed id on a page is a 404, not a server error", async () => {
    const { client } = await signedInClient(APP_URL);
    for (const id of ["not-a-uuid", "1'%20OR%201=1--"]) expect((await client.request(`/files/${id}`)).status).toBe(404);
  });
});

describe("sign-in limits", () => {
  const form = (client: ApiClient, email: string, password: string, accept = "application/json", next?: string) =>
    client.request("/api/sign-in", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept },
      body: new URLSearchParams({ email, password, ...(next === undefined ? {} : { next }) }).toString(),
    });

  it("after 10 attempts on an account, even the right password gets 429 with Retry-After, through the form and through Auth.js", async () => {
    const { email } = await signedInClient(APP_URL);
    // Each guess from a different address: the account's own count is what stops them.
    for (let i = 0; i < 10; i++) {
      const guess = new ApiClient(APP_URL);
      const res = await form(guess, email, `wrong password ${i}`);
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe("invalid_credentials");
    }
    const locked = await form(new ApiClient(APP_URL), email, PASSWORD);
    expect(locked.status).toBe(429);
    const body = await locked.json();
    expect(body.error).toEqual({
      code: "rate_limited",
      message: expect.stringMatching(/^Too many sign-in attempts for this account\. Try again in \d+ minutes?\.$/),
    });
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(60);

    const viaAuthJs = new ApiClient(APP_URL);
    expect(await viaAuthJs.signIn(email, PASSWORD)).toBe(false);
    const csrf = await viaAuthJs.json<{ csrfToken: string }>("GET", "/api/auth/csrf");
    const raw = await viaAuthJs.request("/api/auth/callback/credentials", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken: csrf.body.csrfToken, email, password: PASSWORD }).toString(),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after")).toBeTruthy();

    // A browser without JavaScript gets a page with the same status, saying when to try again.
    const page = await form(new ApiClient(APP_URL), email, PASSWORD, "text/html");
    expect(page.status).toBe(429);
    expect(await page.text()).toMatch(/Try again in \d+ minutes?/);
  });

  it("a successful sign-in clears the account's count; a wrong one through the plain form goes back to the form", async () => {
    const { email } = await signedInClient(APP_URL);
    const client = new ApiClient(APP_URL);
    for (let i = 0; i < 5; i++) expect((await form(client, email, "nope nope")).status).toBe(401);
    expect((await form(client, email, PASSWORD)).status).toBe(200);
    for (let i = 0; i < 9; i++) expect((await form(new ApiClient(APP_URL), email, "nope nope")).status).toBe(401);
    // The tenth attempt since the reset is still allowed (and wrong).
    const back = await form(new ApiClient(APP_URL), email, "nope nope", "text/html");
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe("/sign-in?error=invalid_credentials");
  });

  it("signing in goes on to the page that sent you there (a setup link, say), never to another site or the API", async () => {
    const sentAway = await new ApiClient(APP_URL).request("/settings?from=mail");
    expect(sentAway.status).toBe(307);
    const signInPage = new URL(sentAway.headers.get("location")!, APP_URL);
    expect(signInPage.pathname + signInPage.search).toBe("/sign-in?next=%2Fsettings%3Ffrom%3Dmail");

    const { email } = await signedInClient(APP_URL);
    const goesOn = await form(new ApiClient(APP_URL), email, PASSWORD, "text/html", "/settings?from=mail");
    expect([goesOn.status, goesOn.headers.get("location")]).toEqual([303, "/settings?from=mail"]);
    for (const elsewhere of [
      "//evil.example/x",
      "/\\evil.example",
      "https://evil.example",
      "/api/tokens",
      "/files/../api/tokens",
      "/%2e%2e/api/tokens",
      "/.//evil.example",
    ]) {
      const res = await form(new ApiClient(APP_URL), email, PASSWORD, "text/html", elsewhere);
      expect([res.status, res.headers.get("location")]).toEqual([303, "/files"]);
    }
    const withJs = await form(new ApiClient(APP_URL), email, PASSWORD, "application/json", "/settings");
    expect((await withJs.json()).redirectTo).toBe("/settings");
    // A wrong password keeps where they were going.
    const wrong = await form(new ApiClient(APP_URL), email, "nope nope", "text/html", "/settings");
    expect(wrong.headers.get("location")).toBe("/sign-in?error=invalid_credentials&next=%2Fsettings");
  });

  it("limits sign-ups per address", async () => {
    const app = await appInstance({ ...process.env, NODE_ENV: "production", S3_SETUP_BUCKET: "false", RATE_LIMIT_SIGN_UP_PER_IP: "2" });
    await app.start();
    try {
      const from = new ApiClient(app.url);
      const signUp = () => from.json("POST", "/api/users", { email: `u-${randomUUID()}@example.test`, password: PASSWORD });
      expect((await signUp()).status).toBe(201);
      expect((await signUp()).status).toBe(201);
      const refused = await signUp();
      expectError(refused, 429, "rate_limited", /new accounts from your address/);
    } finally {
      await app.stop();
    }
  });
});

describe("client addresses", () => {
  it("behind one proxy (the default), what a client writes left of the proxy's entry cannot reset a per-address limit", async () => {
    const { client } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, Buffer.from("popular\n"), { name: "p.txt", type: "text/plain" });
    const token = (await client.json("POST", `/api/files/${file.id}/shares`, {})).body.share.url.split("/").at(-1);
    const realAddress = randomIp();
    const limit = Number(process.env.RATE_LIMIT_SHARE_DOWNLOAD_PER_MINUTE);
    const spoofing = () => new ApiClient(APP_URL).request(`/s/${token}/download`, { headers: { "x-forwarded-for": `${randomIp()}, ${realAddress}` } });
    for (let i = 0; i < limit; i++) expect((await spoofing()).status).toBe(302);
    expect((await spoofing()).status).toBe(429);
  });

  it("with no trusted proxy, X-Forwarded-For is ignored: the TCP peer is the client", async () => {
    // A database of its own: every test here shares this machine's address as the TCP peer.
    const database = await createDatabase("valet_peer");
    const app = await appInstance({
      ...process.env,
      NODE_ENV: "production",
      S3_SETUP_BUCKET: "false",
      DATABASE_URL: database.url,
      TRUSTED_PROXY_HOPS: "0",
      RATE_LIMIT_SIGN_IN_PER_IP: "3",
    });
    await app.start();
    try {
      const attempt = () =>
        fetch(`${app.url}/api/sign-in`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": randomIp() },
          body: JSON.stringify({ email: `nobody-${randomUUID()}@example.test`, password: "whatever" }),
        });
      for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
      const limited = await attempt();
      expect(limited.status).toBe(429);
      expect((await limited.json()).error.message).toMatch(/from your address/);
    } finally {
      await app.stop();
      await database.stop();
    }
  });
});

describe("administrators only by the operator's hand", () => {
  let app: AppInstance;
  let database: { url: string; stop: () => Promise<void> };
  beforeAll(async () => {
    database = await createDatabase("valet_fresh");
    app = await appInstance({ ...process.env, NODE_ENV: "production", S3_SETUP_BUCKET: "false", DATABASE_URL: database.url });
    await app.start();
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
    await database?.stop();
  });

  it("the first account on a fresh install is an ordinary user; the holder of the setup token from the log becomes admin, once", async () => {
    const first = new ApiClient(app.url);
    await first.signUp("first@example.test", PASSWORD);
    expect(await first.signIn("first@example.test", PASSWORD)).toBe(true);
    expectError(await first.json("GET", "/api/admin/users"), 403, "forbidden");
    const token = /\/setup\?token=([A-Za-z0-9_-]+)/.exec(app.logs())?.[1];
    expect(token).toBeDefined();

    expectError(await first.json("POST", "/api/setup", { token: "a-guess" }), 403, "invalid_setup_token");
    expect((await first.json("POST", "/api/setup", { token })).status).toBe(200);
    expect((await first.json("GET", "/api/admin/users")).status).toBe(200);

    const second = new ApiClient(app.url);
    await second.signUp("second@example.test", PASSWORD);
    await second.signIn("second@example.test", PASSWORD);
    expectError(await second.json("POST", "/api/setup", { token }), 409, "invalid_state", /already has an administrator/);
    expectError(await second.json("GET", "/api/admin/audit"), 403, "forbidden");
  });

  it("`npm run admin -- grant` and `revoke` change the role on the server, audited", async () => {
    const { email } = await signedInClient(APP_URL);
    const run = (...args: string[]) =>
      spawnSync("npm", ["run", "-s", "admin", "--", ...args], { cwd: path.resolve(__dirname, "../.."), env: process.env, encoding: "utf8" });
    const granted = run("grant", email);
    expect(granted.status).toBe(0);
    expect(granted.stdout).toContain(`${email} is now an administrator`);
    expect((await sql.query(`SELECT role FROM "User" WHERE email = $1`, [email])).rows[0].role).toBe("ADMIN");
    // Once there is an administrator, no setup token is left to claim.
    expect((await sql.query(`SELECT count(*)::int AS n FROM "SetupToken"`)).rows[0].n).toBe(0);
    expect(run("revoke", email).status).toBe(0);
    expect((await sql.query(`SELECT role FROM "User" WHERE email = $1`, [email])).rows[0].role).toBe("USER");
    const { rows } = await sql.query(`SELECT detail FROM "AuditEvent" WHERE action = 'user.role_changed' AND detail->>'userId' = $1 ORDER BY id`, [
      await userIdOf(email),
    ]);
    expect(rows.map((r: { detail: { to: string; via: string } }) => `${r.detail.to} via ${r.detail.via}`)).toEqual(["ADMIN via cli", "USER via cli"]);
    const missing = run("grant", "nobody-here@example.test");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("must sign up first");
  });
});

describe("share-link passwords", () => {
  async function protectedLink() {
    const { client, email } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, Buffer.from("guarded\n"), { name: "g.txt", type: "text/plain" });
    const share = await client.json("POST", `/api/files/${file.id}/shares`, { password: PASSWORD });
    return { client, email, file, share: share.body.share, token: new URL(share.body.share.url).pathname.split("/").at(-1)! };
  }

  it("60 concurrent wrong guesses from 60 addresses get at most 5 password checks", async () => {
    const { share, token } = await protectedLink();
    const guess = (i: number) => {
      const c = new ApiClient(APP_URL);
      return c.request(`/s/${token}/download`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ password: `guess number ${i}` }),
      });
    };
    const statuses = (await Promise.all(Array.from({ length: 60 }, (_, i) => guess(i)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(55);
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM "AuditEvent" WHERE action = 'share.password_failed' AND "shareLinkId" = $1`, [share.id]);
    expect(rows[0].n).toBeLessThanOrEqual(5);
  });

  it("a HEAD on the download (link checkers, unfurlers) counts nothing", async () => {
    const { client, file } = await protectedLink();
    const share = (await client.json("POST", `/api/files/${file.id}/shares`, { maxDownloads: 1 })).body.share;
    const token = new URL(share.url).pathname.split("/").at(-1)!;
    for (let i = 0; i < 3; i++) expect((await new ApiClient(APP_URL).request(`/s/${token}/download`, { method: "HEAD" })).status).toBe(405);
    expect((await new ApiClient(APP_URL).request(`/s/${token}/download`)).status).toBe(302);
  });

  it("views of a share page sign previews only within the per-address limit", async () => {
    const { client } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, PNG_1X1, { name: "pic.png", type: "image/png" });
    const share = (await client.json("POST", `/api/files/${file.id}/shares`, {})).body.share;
    const viewer = new ApiClient(APP_URL);
    const limit = Number(process.env.RATE_LIMIT_SHARE_DOWNLOAD_PER_MINUTE);
    for (let i = 0; i < limit + 5; i++) expect((await viewer.request(new URL(share.url).pathname)).status).toBe(200);
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM "AuditEvent" WHERE action = 'share.preview_signed' AND "shareLinkId" = $1`, [share.id]);
    expect(rows[0].n).toBe(limit);
  });

  it("new share passwords have a minimum length", async () => {
    const { client, email, file } = await protectedLink();
    await unchanged([email], async () =>
      expectError(await client.json("POST", `/api/files/${file.id}/shares`, { password: "short" }), 422, "invalid_input", /at least 8 characters/),
    );
  });
});

describe("request bodies are capped as they are read", () => {
  /** A chunked body that would go on for a gigabyte; counts what was produced until the answer came. */
  async function flood(url: string, contentType: string) {
    let produced = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (produced >= 1024 ** 3) return controller.close();
        produced += 64 * 1024;
        controller.enqueue(new Uint8Array(64 * 1024).fill(0x61));
      },
    });
    const res = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body, duplex: "half" } as RequestInit);
    return { status: res.status, producedWhenAnswered: produced, body: await res.text().catch(() => "") };
  }

  it.each([
    ["a public share download", "/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/download", "application/x-www-form-urlencoded"],
    ["the sign-in form", "/api/sign-in", "application/json"],
    ["Auth.js's credentials endpoint", "/api/auth/callback/credentials", "application/x-www-form-urlencoded"],
  ])("%s answers 413 to an endless chunked body, long before it ends", async (_, route, type) => {
    const res = await flood(`${APP_URL}${route}`, type);
    expect(res.status).toBe(413);
    expect(res.producedWhenAnswered).toBeLessThan(64 * 1024 ** 2);
  });
});

describe("dead links say only that they are dead", () => {
  async function deadLink(kill: (ctx: { client: ApiClient; email: string; fileId: string; shareId: string }) => Promise<void>) {
    const owner = await signedInClient(APP_URL);
    const name = `dead-${randomUUID().slice(0, 8)}.txt`;
    const { file } = await uploadFile(owner.client, Buffer.from("not for you any more\n"), { name, type: "text/plain" });
    const share = (await owner.client.json("POST", `/api/files/${file.id}/shares`, {})).body.share;
    await kill({ client: owner.client, email: owner.email, fileId: file.id, shareId: share.id });
    const page = await new ApiClient(APP_URL).request(new URL(share.url).pathname);
    return { status: page.status, html: await page.text(), name, email: owner.email };
  }

  it.each([
    [
      "revoked",
      async ({ client, shareId }: { client: ApiClient; shareId: string }) => void (await client.request(`/api/shares/${shareId}`, { method: "DELETE" })),
    ],
    [
      "its file deleted",
      async ({ client, fileId }: { client: ApiClient; fileId: string }) => void (await client.request(`/api/files/${fileId}`, { method: "DELETE" })),
    ],
    ["its sharer disabled", async ({ email }: { email: string }) => void (await sql.query(`UPDATE "User" SET "disabledAt" = now() WHERE email = $1`, [email]))],
    [
      "expired",
      async ({ shareId }: { shareId: string }) =>
        void (await sql.query(`UPDATE "ShareLink" SET "expiresAt" = now() - interval '1 minute' WHERE id = $1`, [shareId])),
    ],
  ])("a link %s: 410, and no name, size, type or sharer", async (_, kill) => {
    const { status, html, name, email } = await deadLink(kill);
    expect(status).toBe(410);
    for (const detail of [name, email, "text/plain", "shared a file with you", " B ·"]) expect(html).not.toContain(detail);
  });

  it("an unknown token: 404", async () => {
    expect((await new ApiClient(APP_URL).request(`/s/${"B".repeat(43)}`)).status).toBe(404);
  });
});

describe("API token scopes", () => {
  async function token(client: ApiClient, scopes?: string[]) {
    const res = await client.json("POST", "/api/tokens", { name: "scoped", ...(scopes ? { scopes } : {}) });
    expect(res.status).toBe(201);
    const bearer = new ApiClient(APP_URL);
    bearer.bearer = res.body.token.secret;
    return { bearer, token: res.body.token };
  }

  it("a files:read token reads and downloads but cannot upload, delete or share", async () => {
    const { client, email } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, Buffer.from("mine\n"), { name: "m.txt", type: "text/plain" });
    const { bearer, token: made } = await token(client, ["files:read"]);
    expect(made.scopes).toEqual(["files:read"]);
    expect((await bearer.json("GET", "/api/files")).status).toBe(200);
    expect((await bearer.request(`/api/files/${file.id}/download`)).status).toBe(302);
    await unchanged([email], async () => {
      expectError(await bearer.json("POST", "/api/uploads", { name: "a.txt", size: 1, type: "text/plain" }), 403, "insufficient_scope", /files:write/);
      expectError(await bearer.json("DELETE", `/api/files/${file.id}`), 403, "insufficient_scope");
      expectError(await bearer.json("POST", `/api/files/${file.id}/shares`, {}), 403, "insufficient_scope", /shares:write/);
    });
  });

  it("sharing needs files:read as well: a link hands out the bytes", async () => {
    const { client, email } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, Buffer.from("payroll\n"), { name: "p.txt", type: "text/plain" });
    const { bearer } = await token(client, ["shares:write"]);
    await unchanged([email], async () => expectError(await bearer.json("POST", `/api/files/${file.id}/shares`, {}), 403, "insufficient_scope", /files:read/));
  });

  it("a token can never make, list or revoke tokens", async () => {
    const { client, email } = await signedInClient(APP_URL);
    const { bearer, token: made } = await token(client);
    await unchanged([email], async () => {
      expectError(await bearer.json("POST", "/api/tokens", { name: "forever" }), 403, "forbidden", /API tokens cannot create API tokens/);
      expectError(await bearer.json("GET", "/api/tokens"), 403, "forbidden");
      expectError(await bearer.json("DELETE", `/api/tokens/${made.id}`), 403, "forbidden");
    });
  });

  it("admin routes need an admin owner and the admin scope; only admins may give a token that scope", async () => {
    const { client: admin, email } = await adminClient();
    const plain = await token(admin);
    expect(plain.token.scopes).toEqual(["files:read", "files:write", "shares:write"]);
    await unchanged([email], async () => expectError(await plain.bearer.json("GET", "/api/admin/uploads"), 403, "insufficient_scope", /admin/));
    const scoped = await token(admin, ["admin"]);
    expect((await scoped.bearer.json("GET", "/api/admin/uploads")).status).toBe(200);
    // Demoted: the scope alone is not enough.
    await sql.query(`UPDATE "User" SET role = 'USER' WHERE email = $1`, [email]);
    expectError(await scoped.bearer.json("GET", "/api/admin/uploads"), 403, "forbidden");

    const { client: user } = await signedInClient(APP_URL);
    expectError(await user.json("POST", "/api/tokens", { name: "x", scopes: ["admin"] }), 403, "forbidden", /admin scope/);
  });
});
