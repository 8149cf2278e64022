// `npm run dev`: the whole app on embedded defaults, nothing to install.
//  - PostgreSQL: PGlite served on a local port (data in .valet/pg), unless DATABASE_URL is set;
//  - S3: the s3rver emulator (data in .valet/s3), unless S3_ENDPOINT is set; with STORAGE=azure,
//    Azurite's blob service instead (data in .valet/azurite), unless AZURE_BLOB_ENDPOINT or a
//    connection string is set;
//  - migrations applied, then `next dev`. One Ctrl-C stops everything.
// s3rver checks no signatures or policies: fine for trying the app, never for proving a refusal.
// It is patched (patches/s3rver+3.7.1.patch) to list and abort multipart uploads and to compute
// multipart ETags as S3 does, so pause/resume, resume after a reload and the reconciler work here.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import S3rver from "s3rver";

import { freePort, stopChild } from "./lib/process";
import { startAzurite } from "./lib/services";
import { migrate } from "./migrate";

const DATA_DIR = path.resolve(process.env.VALET_DATA_DIR ?? ".valet");
const PORT = Number(process.env.PORT ?? 3000);
// The app's one connection and the migrator's, with headroom.
const PGLITE_MAX_CONNECTIONS = 8;
const S3RVER_CREDENTIALS = "S3RVER";

const env: NodeJS.ProcessEnv = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const cleanups: Array<() => Promise<void>> = [];

async function persistentSecret(): Promise<string> {
  const file = path.join(DATA_DIR, "auth-secret");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const secret = randomBytes(32).toString("base64url");
    await writeFile(file, secret, { mode: 0o600 });
    return secret;
  }
}

async function startDatabase(): Promise<string> {
  const db = await PGlite.create(path.join(DATA_DIR, "pg"));
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port, maxConnections: PGLITE_MAX_CONNECTIONS });
  await server.start();
  cleanups.push(async () => {
    await server.stop();
    await db.close();
  });
  console.log(`valet dev: embedded PostgreSQL (PGlite) on 127.0.0.1:${port}, data in ${path.relative(process.cwd(), DATA_DIR)}/pg`);
  return `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;
}

async function startStorage(): Promise<string> {
  const port = Number(process.env.S3RVER_PORT ?? (await freePort()));
  const server = new S3rver({ address: "127.0.0.1", port, silent: true, directory: path.join(DATA_DIR, "s3") });
  await server.run();
  cleanups.push(() => server.close());
  console.log(`valet dev: embedded S3 (s3rver) on 127.0.0.1:${port}, data in ${path.relative(process.cwd(), DATA_DIR)}/s3`);
  return `http://127.0.0.1:${port}`;
}

async function startAzureStorage() {
  const location = path.join(DATA_DIR, "azurite");
  await mkdir(location, { recursive: true });
  const azurite = await startAzurite({ location, inMemory: false });
  cleanups.push(azurite.stop);
  console.log(`valet dev: embedded Azure Blob Storage (Azurite) at ${azurite.azure.AZURE_BLOB_ENDPOINT}, data in ${path.relative(process.cwd(), location)}`);
  return azurite.azure;
}

async function main() {
  await mkdir(DATA_DIR, { recursive: true });
  env.APP_URL ??= `http://localhost:${PORT}`;
  // Auth.js builds its redirects from AUTH_URL; Next reports 127.0.0.1 as localhost anyway.
  env.AUTH_URL ??= env.APP_URL;
  env.AUTH_SECRET ??= await persistentSecret();
  // Nothing stands in front of the dev server: the TCP peer is the client.
  env.TRUSTED_PROXY_HOPS ??= "0";
  if (!env.DATABASE_URL) {
    env.DATABASE_URL = await startDatabase();
    // PGlite has one session: the app's connections would interleave their messages on it
    // (wrong answers, "unnamed prepared statement does not exist"), so one connection, and
    // requests take turns.
    env.DATABASE_POOL_SIZE ??= "1";
  }
  if (env.STORAGE === "azure") {
    if (!env.AZURE_BLOB_ENDPOINT && !env.AZURE_STORAGE_CONNECTION_STRING) Object.assign(env, await startAzureStorage());
    env.AZURE_CONTAINER ??= "valet";
    env.AZURE_SETUP_CONTAINER ??= "true";
  } else if (!env.S3_ENDPOINT) {
    env.S3_ENDPOINT = await startStorage();
    env.S3_BUCKET ??= "valet";
    env.S3_ACCESS_KEY_ID ??= S3RVER_CREDENTIALS;
    env.S3_SECRET_ACCESS_KEY ??= S3RVER_CREDENTIALS;
    env.S3_FORCE_PATH_STYLE ??= "true";
    env.S3_SETUP_BUCKET ??= "true";
  }
  await migrate(env.DATABASE_URL, (line) => console.log(`valet dev: ${line}`));

  const next = spawn(process.execPath, [require.resolve("next/dist/bin/next"), "dev", "--port", String(PORT)], {
    stdio: "inherit",
    env,
    detached: true,
  });
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stopChild(next);
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  next.on("exit", (code) => void shutdown(code ?? 0));
  console.log(
    `valet dev: open ${env.APP_URL} (127.0.0.1 and network addresses redirect there; to use another device, start with APP_URL=http://<this machine's address>:${PORT})`,
  );
}

main().catch(async (error: unknown) => {
  console.error(`valet dev: ${(error as Error).message}`);
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  process.exit(1);
});
