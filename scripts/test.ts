// `npm test`: the whole suite against real parts.
//   1. lint (ESLint with type-aware rules, Prettier --check), typecheck, unit tests (vitest)
//   2. starts Ceph RGW (scripts/ceph-rgw.sh; installs it with apt when missing), Azurite (in
//      memory) and two throwaway databases on the machine's PostgreSQL (127.0.0.1:5432)
//   3. builds the app and starts it (`next start`) against them on free ports: two instances on
//      S3 (RGW) and one with STORAGE=azure (Azurite, its own database); the suites that run on
//      both backends take the Azure instance from VALET_TEST_AZURE_APP_URL
//   4. integration tests (HTTP API + storage refusals), then Playwright e2e in Debian Chromium
//      (installed with apt when missing, as Ceph is)
//   5. the dev-mode smoke test (`npm run dev` on PGlite + s3rver)
//   6. `npm run bench -- --quick`, so the benchmarks keep working (its figures are not judged here)
// Everything it starts it stops by PID, also on Ctrl-C or failure.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import { freePort, run, stopChild, waitUntil } from "./lib/process";
import { appEnvironment, createDatabase, ensureChromium, startAzurite, startRgw } from "./lib/services";
import { startTestIdp } from "./lib/test-idp";

const ROOT = path.resolve(__dirname, "..");
const BIN = (name: string) => path.join(ROOT, "node_modules", ".bin", name);
const only = new Set((process.env.VALET_TEST_ONLY ?? "lint,unit,integration,e2e,smoke,bench").split(","));

const cleanups: Array<() => Promise<void>> = [];
const results: Array<{ stage: string; ok: boolean; seconds: number }> = [];

async function stage(name: string, fn: () => Promise<number>): Promise<boolean> {
  if (name !== "build" && !only.has(name)) return true;
  const started = Date.now();
  console.log(`\n=== ${name} ===`);
  const code = await fn().catch((error: unknown) => {
    console.error(`${name}: ${(error as Error).message}`);
    return 1;
  });
  results.push({ stage: name, ok: code === 0, seconds: Math.round((Date.now() - started) / 1000) });
  return code === 0;
}

async function startCeph(work: string) {
  const rgw = await startRgw(path.join(work, "ceph"));
  cleanups.push(rgw.stop);
  return rgw.s3;
}

async function startAzureStorage(work: string) {
  const azurite = await startAzurite({ location: path.join(work, "azurite"), inMemory: true });
  cleanups.push(azurite.stop);
  return azurite.azure;
}

async function newDatabase(): Promise<string> {
  const db = await createDatabase("valet_test");
  cleanups.push(db.stop);
  return db.url;
}

async function startApp(env: NodeJS.ProcessEnv, port: number): Promise<ChildProcess> {
  const app = spawn(BIN("next"), ["start", "--port", String(port)], { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"], detached: true });
  cleanups.push(() => stopChild(app));
  await waitUntil("the app's /api/health", async () => (await fetch(`http://127.0.0.1:${port}/api/health`)).ok, 60_000);
  return app;
}

async function startWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const worker = spawn(BIN("tsx"), ["--conditions=react-server", "scripts/worker.ts"], {
    cwd: ROOT,
    env: { ...env, WORKER_CONCURRENCY: "1" },
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  cleanups.push(() => stopChild(worker));
  return worker;
}

async function main(): Promise<number> {
  const started = Date.now();
  const work = await mkdtemp(path.join(os.tmpdir(), "valet-test-"));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  // The SDK version is pinned in package-lock.json; its "Node 22 from 2027" notice is noise here.
  const baseEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

  await stage(
    "lint",
    async () => (await run("npm", ["run", "lint"], { cwd: ROOT, env: baseEnv })) || run(BIN("tsc"), ["--noEmit"], { cwd: ROOT, env: baseEnv }),
  );
  await stage("unit", () => run(BIN("vitest"), ["run", "--project", "unit"], { cwd: ROOT, env: baseEnv }));

  if (only.has("integration") || only.has("e2e")) {
    console.log("\n=== services: Ceph RGW, PostgreSQL, app ===");
    await mkdir(path.join(work, "azurite"));
    const [s3, databaseUrl, port, azure, azureDatabaseUrl] = await Promise.all([
      startCeph(work),
      newDatabase(),
      freePort(),
      startAzureStorage(work),
      newDatabase(),
    ]);
    const appUrl = `http://localhost:${port}`;
    // A real OpenID Connect provider for "Sign in with …" (tests/integration/oidc.test.ts, e2e/oidc.spec.ts).
    const oidcClientSecret = randomBytes(24).toString("base64url");
    const idp = await startTestIdp({ clients: [{ client_id: "valet", client_secret: oidcClientSecret, redirect_uris: [`${appUrl}/api/auth/callback/oidc`] }] });
    cleanups.push(() => idp.stop());
    const appEnv: NodeJS.ProcessEnv = {
      ...appEnvironment({ s3, databaseUrl, appUrl, bucket: "valet-test" }),
      // Short enough that a test can watch storage refuse an expired share download URL.
      SHARE_DOWNLOAD_URL_TTL_SECONDS: "3",
      // Low enough that tests can reach each limit in a few seconds, high enough for the rest.
      RATE_LIMIT_RESERVE_PER_MINUTE: "40",
      RATE_LIMIT_SIGN_PER_MINUTE: "120",
      RATE_LIMIT_SHARE_DOWNLOAD_PER_MINUTE: "30",
      RATE_LIMIT_PASSWORD_PER_MINUTE: "10",
      // Sign-in attempts per account stay at the default (10 in 15 minutes); the browser tests all
      // come from one address, so the per-address limits are raised.
      RATE_LIMIT_SIGN_IN_PER_IP: "200",
      RATE_LIMIT_SIGN_UP_PER_IP: "1000",
      // The reconciler test runs it itself; an instance's timer holding the lock would make that racy.
      RECONCILE_INTERVAL_SECONDS: "0",
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: "valet",
      OIDC_CLIENT_SECRET: oidcClientSecret,
      OIDC_DISPLAY_NAME: "Test IdP",
      OIDC_ADMIN_GROUPS: "valet-admins",
      // The tests' addresses are at example.test; another domain is refused.
      OIDC_ALLOWED_DOMAINS: "example.test",
      // /api/metrics is off unless this is set; observability.test.ts scrapes it.
      METRICS_TOKEN: randomBytes(24).toString("hex"),
      // The tests' webhook receivers listen on 127.0.0.1; a failing one is dead after 3 attempts
      // (e + e² ≈ 10 s of backoff), and a killed worker's jobs are retried after 6 s.
      WEBHOOK_ALLOW_PRIVATE: "true",
      WEBHOOK_MAX_ATTEMPTS: "3",
      WORKER_STALE_AFTER_SECONDS: "6",
    };
    if (!(await stage("build", () => run(BIN("next"), ["build"], { cwd: ROOT, env: appEnv })))) return summary(started);
    await startApp(appEnv, port);
    // A second instance on the same database: rate limits must hold across instances.
    const secondPort = await freePort();
    await startApp(appEnv, secondPort);
    // And a worker process of its own (`npm run worker`): jobs go to whichever worker takes them first.
    await startWorker(appEnv);
    // The same build on Azure Blob Storage (Azurite), with a database of its own: its reconciler
    // must not see the S3 instances' rows.
    const azurePort = await freePort();
    const azureAppUrl = `http://localhost:${azurePort}`;
    const azureEnv = { ...azure, AZURE_CONTAINER: "valet-test" };
    await startApp(
      { ...appEnv, ...azureEnv, STORAGE: "azure", AZURE_SETUP_CONTAINER: "true", DATABASE_URL: azureDatabaseUrl, APP_URL: azureAppUrl, AUTH_URL: azureAppUrl },
      azurePort,
    );
    const testEnv = {
      ...appEnv,
      ...azureEnv,
      VALET_TEST_APP_URL: appUrl,
      VALET_TEST_APP_URL_2: `http://localhost:${secondPort}`,
      VALET_TEST_AZURE_APP_URL: azureAppUrl,
      VALET_TEST_AZURE_DATABASE_URL: azureDatabaseUrl,
      VALET_TEST_OIDC_CONTROL_TOKEN: idp.controlToken,
    };
    if (process.env.VALET_TEST_SERVE) return serve(process.env.VALET_TEST_SERVE, { ...testEnv, CHROMIUM_PATH: ensureChromium() });
    await stage("integration", () => run(BIN("vitest"), ["run", "--project", "integration"], { cwd: ROOT, env: testEnv }));
    await stage("e2e", async () => run(BIN("playwright"), ["test"], { cwd: ROOT, env: { ...testEnv, CHROMIUM_PATH: ensureChromium() } }));
  }

  await stage("smoke", () => run(BIN("vitest"), ["run", "--project", "smoke"], { cwd: ROOT, env: baseEnv }));
  // Reuses the build from above when there was one; the bench starts its own RGW and database.
  const reuseBuild = only.has("integration") || only.has("e2e") ? ["--no-build"] : [];
  await stage("bench", async () =>
    run("npm", ["run", "bench", "--", "--quick", ...reuseBuild], { cwd: ROOT, env: { ...baseEnv, CHROMIUM_PATH: ensureChromium() } }),
  );
  return summary(started);
}

/**
 * VALET_TEST_SERVE=<file>: start the services and the two app instances, write their environment
 * to <file> as `export` lines, and keep them up until Ctrl-C. For running one test file at a time:
 * `source <file> && npx vitest run tests/integration/x.test.ts` or `npx playwright test e2e/x.spec.ts`.
 */
async function serve(file: string, env: NodeJS.ProcessEnv): Promise<number> {
  const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  const names = Object.keys(env).filter((name) =>
    /^(VALET_TEST_|DATABASE_URL$|S3_|AZURE_|AUTH_|APP_URL$|CHROMIUM_PATH$|RATE_LIMIT_|SHARE_|METRICS_TOKEN$|OIDC_|WEBHOOK_|WORKER_|THUMBNAIL_)/.test(name),
  );
  await writeFile(file, names.map((name) => `export ${name}=${quote(env[name] ?? "")}\n`).join(""));
  console.log(`\nServices are up; their environment is in ${file}. Ctrl-C stops them.`);
  return new Promise(() => setInterval(() => undefined, 60_000));
}

function summary(started: number): number {
  console.log("\n=== summary ===");
  for (const r of results) console.log(`${r.ok ? "ok  " : "FAIL"}  ${r.stage.padEnd(12)} ${r.seconds}s`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`total ${Math.round((Date.now() - started) / 1000)}s`);
  console.log(`stages: ${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

async function cleanup() {
  for (const fn of cleanups.reverse()) await fn().catch((e: unknown) => console.error(`cleanup: ${(e as Error).message}`));
  cleanups.length = 0;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void cleanup().then(() => process.exit(130));
  });
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  });
