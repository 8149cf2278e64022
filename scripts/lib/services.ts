// Services the test suite and the benchmarks start for themselves: a throwaway Ceph RGW, Azurite
// and a throwaway database on the machine's PostgreSQL. Each returns a stop function.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";

import { migrate } from "../migrate";
import { freePort, stopChild, waitUntil } from "./process";

const SCRIPT = path.resolve(__dirname, "..", "ceph-rgw.sh");
export const PG_ADMIN_URL = process.env.VALET_TEST_PG_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** The endpoint, the bucket owner's keys, and Valet's write-only upload and read-only download keys with their principals. */
export interface RgwCredentials {
  S3_ENDPOINT: string;
  S3_ACCESS_KEY_ID: string;
  S3_SECRET_ACCESS_KEY: string;
  S3_UPLOAD_ACCESS_KEY_ID: string;
  S3_UPLOAD_SECRET_ACCESS_KEY: string;
  S3_UPLOAD_PRINCIPAL: string;
  S3_DOWNLOAD_ACCESS_KEY_ID: string;
  S3_DOWNLOAD_SECRET_ACCESS_KEY: string;
  S3_DOWNLOAD_PRINCIPAL: string;
}

/**
 * Starts a single-node cluster under `dir` on free ports; `extraEnv` picks e.g. BlueStore. On a
 * busy shared machine a start can stall (once seen: radosgw not answering after 90 s); the
 * failed attempt's log tail is printed and one more attempt is made on fresh ports.
 */
export async function startRgw(dir: string, extraEnv: Record<string, string> = {}): Promise<{ s3: RgwCredentials; stop: () => Promise<void> }> {
  for (let attempt = 1; ; attempt++) {
    const attemptDir = path.join(dir, `attempt-${attempt}`);
    const env = {
      ...process.env,
      ...extraEnv,
      RGW_PORT: String(await freePort()),
      RGW_MON_PORT: String(await freePort()),
      RGW_OSD_PORT_MIN: String(20_000 + Math.floor(Math.random() * 20_000)),
    };
    const stop = async () => void spawnSync("bash", [SCRIPT, "stop", attemptDir], { stdio: "inherit", env });
    const started = spawnSync("bash", [SCRIPT, "start", attemptDir], { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    if (started.status === 0) {
      const s3 = Object.fromEntries(
        started.stdout
          .trim()
          .split("\n")
          .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      );
      return { s3: s3 as unknown as RgwCredentials, stop };
    }
    console.error(`Ceph RGW did not start (attempt ${attempt}, exit ${started.status}); last log lines:`);
    spawnSync("bash", ["-c", `tail -n 5 "${attemptDir}"/log/*.log "${attemptDir}"/log/*.out 2>/dev/null`], { stdio: "inherit" });
    await stop();
    if (attempt === 2) throw new Error(`Ceph RGW did not start after ${attempt} attempts; logs in ${dir}`);
  }
}

/**
 * The browser tests and the browser benchmark drive Debian's Chromium (Playwright's own browser
 * download cannot work on these machines). Installed with apt when missing, as Ceph is; throws
 * with what to do when it cannot be.
 */
export function ensureChromium(): string {
  const executable = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (existsSync(executable)) return executable;
  if (process.env.CHROMIUM_PATH) throw new Error(`CHROMIUM_PATH is ${executable}, which does not exist.`);
  console.log("Chromium is missing: installing Debian's chromium with apt (about a minute)");
  const isRoot = process.getuid?.() === 0;
  const apt = isRoot ? "apt-get" : "sudo -n apt-get";
  const installed = spawnSync("bash", ["-c", `${apt} update -qq && DEBIAN_FRONTEND=noninteractive ${apt} install -y -qq --no-install-recommends chromium`], {
    stdio: "inherit",
  });
  if (installed.status !== 0 || !existsSync(executable)) {
    throw new Error(
      `Could not install Chromium (apt-get exited ${installed.status}). Install Debian's chromium yourself (apt-get install chromium), or set CHROMIUM_PATH to a Chromium executable.`,
    );
  }
  return executable;
}

/** Creates and migrates `<prefix>_<random>`; stop drops it even with connections open. */
export async function createDatabase(prefix: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(4).toString("hex")}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: PG_ADMIN_URL });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  await migrate(url.toString(), () => undefined);
  return { url: url.toString(), stop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** The environment a production build of the app runs with against these services. */
export function appEnvironment(args: { s3: RgwCredentials; databaseUrl: string; appUrl: string; bucket: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    // The SDK version is pinned in package-lock.json; its "Node 22 from 2027" notice is noise here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    DATABASE_URL: args.databaseUrl,
    AUTH_SECRET: randomBytes(32).toString("base64url"),
    APP_URL: args.appUrl,
    AUTH_URL: args.appUrl,
    ...args.s3,
    S3_REGION: "us-east-1",
    S3_BUCKET: args.bucket,
    S3_FORCE_PATH_STYLE: "true",
    S3_SETUP_BUCKET: "true",
  };
}

/** Azurite's well-known development account (public, documented by Microsoft; never a real key). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteSettings {
  AZURE_STORAGE_ACCOUNT: string;
  AZURE_STORAGE_KEY: string;
  AZURE_BLOB_ENDPOINT: string;
}

/**
 * Starts Azurite's blob service (the `azurite` npm package) on a free port, in memory unless
 * `location` is given for its data; stop ends it by its process group. Azurite checks service-SAS
 * signatures, permissions and expiry; `--skipApiVersionCheck` lets the SDK's newer x-ms-version through.
 */
export async function startAzurite(args: { location: string; inMemory: boolean }): Promise<{ azure: AzuriteSettings; stop: () => Promise<void> }> {
  const port = await freePort();
  const flags = ["--blobHost", "127.0.0.1", "--blobPort", String(port), "--skipApiVersionCheck", "--disableTelemetry", "--silent"];
  // In memory, Azurite refuses --location; it runs in `location` then (nothing is written there).
  flags.push(...(args.inMemory ? ["--inMemoryPersistence"] : ["--location", args.location]));
  const child = spawn(path.resolve(__dirname, "..", "..", "node_modules", ".bin", "azurite-blob"), flags, {
    cwd: args.location,
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  const stop = () => stopChild(child);
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  try {
    // Any HTTP answer (400 for an unsigned request) means it is listening.
    await waitUntil(
      "Azurite",
      async () => {
        if (child.exitCode !== null) throw new Error(`Azurite exited (${child.exitCode})`);
        return (await fetch(`${endpoint}?comp=list`)).status > 0;
      },
      30_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { azure: { AZURE_STORAGE_ACCOUNT: AZURITE_ACCOUNT, AZURE_STORAGE_KEY: AZURITE_KEY, AZURE_BLOB_ENDPOINT: endpoint }, stop };
}
