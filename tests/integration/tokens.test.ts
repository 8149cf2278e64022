import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { MiB } from "@/lib/units";

import { ApiClient, signedInClient } from "../helpers/api-client";
import { zipLike } from "../helpers/fixtures";
import { download } from "../helpers/valet-upload";
import { APP_URL, sql } from "./context";

async function tokenFor(client: ApiClient, body: Record<string, unknown> = { name: "cli" }) {
  const res = await client.json("POST", "/api/tokens", body);
  expect(res.status).toBe(201);
  const bearer = new ApiClient(APP_URL);
  bearer.bearer = res.body.token.secret;
  return { token: res.body.token, bearer };
}

describe("personal API tokens", () => {
  it("authenticate API calls, record last use, and stop working when revoked", async () => {
    const { client } = await signedInClient(APP_URL);
    const { token, bearer } = await tokenFor(client);
    expect(token.secret).toMatch(/^valet_[A-Za-z0-9_-]{43}$/);
    const { rows } = await sql.query(`SELECT "tokenHash" FROM "ApiToken" WHERE id = $1`, [token.id]);
    expect(rows[0].tokenHash).toBe(createHash("sha256").update(token.secret).digest("hex"));

    const reserved = await bearer.json("POST", "/api/uploads", { name: "t.txt", size: 3, type: "text/plain" });
    expect(reserved.status).toBe(201);
    const listed = (await client.json("GET", "/api/tokens")).body.tokens;
    expect(listed).toEqual([expect.objectContaining({ id: token.id, name: "cli", lastUsedAt: expect.any(String), revokedAt: null })]);
    expect(JSON.stringify(listed)).not.toContain(token.secret);
    const { rows: events } = await sql.query(`SELECT "actorTokenId" FROM "AuditEvent" WHERE "uploadId" = $1`, [reserved.body.upload.id]);
    expect(events).toEqual([{ actorTokenId: token.id }]);

    expect((await client.request(`/api/tokens/${token.id}`, { method: "DELETE" })).status).toBe(204);
    const refused = await bearer.json("GET", "/api/files");
    expect(refused).toMatchObject({ status: 401, body: { error: { code: "unauthenticated" } } });
    const { rows: audit } = await sql.query(`SELECT action FROM "AuditEvent" WHERE detail->>'tokenId' = $1 ORDER BY id`, [token.id]);
    expect(audit.map((r: { action: string }) => r.action)).toEqual(["token.created", "token.revoked"]);
  });

  it("refuses expired, malformed and other people's tokens", async () => {
    const { client } = await signedInClient(APP_URL);
    const { token, bearer } = await tokenFor(client, { name: "short", expiresInDays: 1 });
    await sql.query(`UPDATE "ApiToken" SET "expiresAt" = now() - interval '1 minute' WHERE id = $1`, [token.id]);
    expect((await bearer.json("GET", "/api/files")).status).toBe(401);
    const forged = new ApiClient(APP_URL);
    forged.bearer = `valet_${randomBytes(32).toString("base64url")}`;
    expect((await forged.json("GET", "/api/files")).status).toBe(401);
    expect((await new ApiClient(APP_URL).json("GET", "/api/files", undefined, { authorization: "Basic abc" })).status).toBe(401);
    const { client: other } = await signedInClient(APP_URL);
    expect((await other.request(`/api/tokens/${token.id}`, { method: "DELETE" })).status).toBe(404);
  });
});

/** Runs the CLI on `file` with a token; answers its exit code and output. */
async function runCli(file: string, secret: string, args: string[] = []) {
  const run = spawn(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "cli/upload.ts", file, ...args], {
    env: { ...process.env, VALET_URL: APP_URL, VALET_TOKEN: secret },
  });
  let stdout = "";
  let stderr = "";
  run.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  run.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => run.on("exit", resolve));
  return { code, stdout, stderr };
}

describe("command-line uploader", () => {
  it("names a file's type from the same table as the server's allowlist: an OpenDocument text goes up as one", async () => {
    const { client } = await signedInClient(APP_URL);
    const { token } = await tokenFor(client);
    const dir = await mkdtemp(path.join(os.tmpdir(), "valet-cli-"));
    const file = path.join(dir, "minutes.odt");
    // An OpenDocument file is a ZIP archive; completion checks that the bytes open like one.
    await writeFile(file, zipLike(64 * 1024));
    try {
      const { code, stdout, stderr } = await runCli(file, token.secret);
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      expect(stdout).toContain("uploaded minutes.odt (65536 bytes, application/vnd.oasis.opendocument.text)");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("uploads a 30 MiB file through the valet flow, each part checksummed; the bytes come back equal", async () => {
    const { client } = await signedInClient(APP_URL);
    const { token } = await tokenFor(client);
    const dir = await mkdtemp(path.join(os.tmpdir(), "valet-cli-"));
    const file = path.join(dir, "backup archive.zip");
    const data = zipLike(30 * MiB);
    await writeFile(file, data);
    try {
      const { code, stdout, stderr } = await runCli(file, token.secret);
      expect({ code, stderr: code === 0 ? "" : stderr }).toEqual({ code: 0, stderr: "" });
      expect(stderr).toContain("4/4 parts");
      const id = /file id: ([0-9a-f-]{36})/.exec(stdout)?.[1];
      expect(id).toBeDefined();
      expect(stdout).toContain(`download: curl -fL -H "Authorization: Bearer $VALET_TOKEN" -o 'backup archive.zip' ${APP_URL}/api/files/${id}/download`);
      // Every part went with a signed Content-MD5.
      const { rows: signed } = await sql.query(`SELECT detail FROM "AuditEvent" WHERE action = 'upload.signed' AND "uploadId" = $1`, [id]);
      expect(signed.reduce((n: number, r: { detail: { checksummed: number } }) => n + r.detail.checksummed, 0)).toBe(4);
      const got = await download(client, id!);
      expect(createHash("sha256").update(got.bytes).digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
