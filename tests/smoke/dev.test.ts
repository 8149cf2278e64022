// `npm run dev` on a fresh data folder comes up on its embedded defaults (PGlite + s3rver),
// one upload works through the valet flow, and one Ctrl-C (SIGINT) stops everything.
// s3rver checks no signatures: this proves the zero-setup mode works, not that anything is refused.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { freePort, waitUntil } from "../../scripts/lib/process";
import { signedInClient } from "../helpers/api-client";
import { download, uploadFile } from "../helpers/valet-upload";

const EMBEDDED_DEFAULTS_OVERRIDDEN_BY = ["DATABASE_URL", "AUTH_SECRET", "APP_URL", "AUTH_URL", "S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_SETUP_BUCKET"];

let dataDir: string | undefined;
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it("runs the app on embedded PostgreSQL and S3, uploads a file, and stops on one SIGINT", async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "valet-dev-"));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), VALET_DATA_DIR: dataDir };
  for (const name of EMBEDDED_DEFAULTS_OVERRIDDEN_BY) delete env[name];

  const dev = spawn("npm", ["run", "dev"], { cwd: path.resolve(__dirname, "../.."), env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  dev.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => dev.on("exit", (code) => resolve(code)));
  const base = `http://localhost:${port}`;

  try {
    await waitUntil("npm run dev to answer /api/health", async () => (await fetch(`${base}/api/health`)).ok, 150_000, 500);
    expect(output).toContain("embedded PostgreSQL (PGlite)");
    expect(output).toContain("embedded S3 (s3rver)");

    const { client } = await signedInClient(base);
    const data = Buffer.from("hello from dev mode\n".repeat(50));
    const { file } = await uploadFile(client, data, { name: "dev.txt", type: "text/plain" });
    expect(file.size).toBe(data.length);
    const got = await download(client, file.id);
    expect(createHash("sha256").update(got.bytes).digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
  } finally {
    // What a terminal's Ctrl-C does: SIGINT to the foreground process group.
    process.kill(-dev.pid!, "SIGINT");
    const timer = setTimeout(() => process.kill(-dev.pid!, "SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  }
  await expect(fetch(`${base}/api/health`)).rejects.toThrow();
});
