// Logs and metrics, on the real app: X-Request-Id on every answer, one JSON log line per request
// (read from an instance's stdout) with no secret in it, and /api/metrics behind METRICS_TOKEN
// counting what happened. The counting runs on an instance of this file's own, so that no other
// test's requests move the counters between two reads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ApiClient, signedInClient } from "../helpers/api-client";
import { appInstance, type AppInstance } from "../helpers/app-instance";
import { bytes, complete, md5, reserve, sign } from "../helpers/valet-upload";
import { APP_URL, userIdOf } from "./context";

const METRICS_TOKEN = process.env.METRICS_TOKEN!;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let app: AppInstance;

beforeAll(async () => {
  expect(METRICS_TOKEN, "METRICS_TOKEN is set for the test app by scripts/test.ts").toBeTruthy();
  // Metrics off: the instance starts without METRICS_TOKEN; the first test turns them on.
  const { METRICS_TOKEN: _, ...withoutToken } = process.env;
  app = await appInstance({ ...withoutToken, NODE_ENV: "production", S3_SETUP_BUCKET: "false" });
  await app.start();
}, 120_000);

afterAll(async () => {
  await app?.stop();
});

const scrape = (baseUrl: string, authorization?: string) =>
  fetch(new URL("/api/metrics", baseUrl), { headers: authorization === undefined ? {} : { authorization } });

/** One sample of the exposition text: `name{labels} value`, the labels matched as given. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v) && Object.keys(found).length === Object.keys(labels).length) return Number(match[3]);
  }
  return 0;
}

async function readMetrics(baseUrl: string): Promise<string> {
  const res = await scrape(baseUrl, `Bearer ${METRICS_TOKEN}`);
  expect(res.status).toBe(200);
  return res.text();
}

interface LogLine {
  level: string;
  msg: string;
  requestId?: string;
  route?: string;
  method?: string;
  status?: number;
  durationMs?: number;
  userId?: string;
  errorCode?: string;
  upstreamRequestId?: string;
}

function logLines(instance: AppInstance): LogLine[] {
  return instance
    .logs()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);
}

/** A single-PUT upload, one request at a time: one sign call, one completion. */
async function uploadOnce(client: ApiClient, data: Buffer) {
  const upload = await reserve(client, { name: "metrics.txt", size: data.length, type: "text/plain" });
  const signed = await sign(client, upload.id, { method: "PUT", key: upload.key, contentType: "text/plain", contentMd5: md5(data) });
  expect(signed.status).toBe(200);
  const put = await fetch(signed.body.url, { method: "PUT", headers: signed.body.headers, body: bytes(data) });
  expect(put.status).toBe(200);
  const done = await complete(client, upload.id);
  expect(done.status).toBe(200);
  return { upload, signed };
}

describe("metrics and logs", () => {
  it("GET /api/metrics does not exist (404) while METRICS_TOKEN is unset", async () => {
    const res = await scrape(app.url, `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("not_found");
    expect(res.headers.get("x-request-id")).toMatch(UUID);
    // From here on, this instance has metrics on.
    await app.stop();
    await app.start({ METRICS_TOKEN });
  }, 90_000);

  it("answers 401 without the token or with a wrong one, and Prometheus text with it", async () => {
    for (const authorization of [undefined, "Bearer wrong-token-wrong-token", `Bearer ${METRICS_TOKEN}x`, `Basic ${METRICS_TOKEN}`]) {
      const res = await scrape(APP_URL, authorization);
      expect(res.status, String(authorization)).toBe(401);
      expect(await res.json()).toEqual({ error: { code: "unauthenticated", message: expect.stringMatching(/METRICS_TOKEN/) } });
    }
    const res = await scrape(APP_URL, `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of [
      "valet_keys_issued_total",
      "valet_sign_duration_seconds",
      "valet_uploads_total",
      "valet_upload_verification_duration_seconds",
      "valet_share_downloads_total",
      "valet_rate_limited_total",
      "valet_reconciler_items_total",
      "valet_reconciler_runs_total",
      "valet_reconciler_last_run_timestamp_seconds",
      "valet_http_requests_total",
      "valet_http_request_duration_seconds",
      "process_cpu_user_seconds_total",
      "nodejs_eventloop_lag_seconds",
    ]) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
    expect(sample(text, "valet_database_up")).toBe(1);
    expect(sample(text, "valet_storage_up")).toBe(1);
  });

  it("counts a sign call and a completion on the instance that served them", async () => {
    const { client } = await signedInClient(app.url);
    const before = await readMetrics(app.url);
    await uploadOnce(client, Buffer.from("counted\n".repeat(64)));
    const after = await readMetrics(app.url);
    const delta = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);

    expect(delta("valet_keys_issued_total", { operation: "put_object" })).toBe(1);
    expect(delta("valet_sign_duration_seconds_count", { result: "ok" })).toBe(1);
    expect(delta("valet_sign_duration_seconds_sum", { result: "ok" })).toBeGreaterThan(0);
    expect(delta("valet_uploads_total", { outcome: "READY" })).toBe(1);
    expect(delta("valet_upload_verification_duration_seconds_count", { outcome: "READY" })).toBe(1);
    expect(delta("valet_http_requests_total", { route: "/api/uploads/[id]/sign", method: "POST", status: "200" })).toBe(1);
    expect(delta("valet_http_requests_total", { route: "/api/uploads/[id]/complete", method: "POST", status: "200" })).toBe(1);
    expect(delta("valet_http_request_duration_seconds_count", { route: "/api/uploads/[id]/sign", method: "POST" })).toBe(1);
    // No route label carries an id or a path of its own.
    for (const [, route] of after.matchAll(/route="([^"]*)"/g)) expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
  });

  it("logs a sign request as one JSON line with its id, route, status, duration and user, and no signature", async () => {
    const { client, email } = await signedInClient(app.url);
    const { signed } = await uploadOnce(client, Buffer.from("logged\n".repeat(64)));
    const requestId = signed.headers.get("x-request-id");
    expect(requestId).toMatch(UUID);
    const signature = new URL(signed.body.url as string).searchParams.get("X-Amz-Signature")!;
    expect(signature).toMatch(/^[0-9a-f]{64}$/);

    const lines = logLines(app).filter((line) => line.requestId === requestId);
    expect(lines).toEqual([
      expect.objectContaining({ level: "info", msg: "request", method: "POST", route: "/api/uploads/[id]/sign", status: 200, userId: await userIdOf(email) }),
    ]);
    expect(lines[0]!.durationMs).toBeGreaterThan(0);
    expect(lines[0]).not.toHaveProperty("errorCode");
    const everything = app.logs();
    expect(everything).not.toContain(signature);
    expect(everything).not.toMatch(/X-Amz-Signature=[0-9a-f]/i);
    expect(everything).not.toContain(email);
  });

  it("logs a share download under its route pattern, never the token, and a refusal with its error code", async () => {
    const { client } = await signedInClient(app.url);
    const { upload } = await uploadOnce(client, Buffer.from("shared\n".repeat(64)));
    const share = await client.json("POST", `/api/files/${upload.id}/shares`, { maxDownloads: 1 });
    expect(share.status).toBe(201);
    const token = new URL(share.body.share.url as string).pathname.split("/")[2]!;

    const ok = await fetch(new URL(`/s/${token}/download`, app.url), { redirect: "manual" });
    expect(ok.status).toBe(302);
    const usedUp = await fetch(new URL(`/s/${token}/download`, app.url), { redirect: "manual" });
    expect(usedUp.status).toBe(410);

    const [okLine] = logLines(app).filter((line) => line.requestId === ok.headers.get("x-request-id"));
    expect(okLine).toMatchObject({ route: "/s/[token]/download", method: "GET", status: 302 });
    const [refusedLine] = logLines(app).filter((line) => line.requestId === usedUp.headers.get("x-request-id"));
    expect(refusedLine).toMatchObject({ route: "/s/[token]/download", status: 410, errorCode: "link_used_up" });
    expect(app.logs()).not.toContain(token);

    const metrics = await readMetrics(app.url);
    expect(sample(metrics, "valet_share_downloads_total", { result: "ok" })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, "valet_share_downloads_total", { result: "link_used_up" })).toBeGreaterThanOrEqual(1);
  });

  it("answers every API request with its own X-Request-Id, errors included", async () => {
    const { client } = await signedInClient(APP_URL);
    const anonymous = new ApiClient(APP_URL);
    const answers = [
      await anonymous.json("GET", "/api/health"),
      await anonymous.json("GET", "/api/files"), // 401
      await client.json("GET", "/api/files/0b6c1f2e-8a4d-4b4e-9a51-2f6f9c3d7e10"), // 404
      await client.json("GET", "/api/files/not-a-uuid"), // 404 before any query
      await client.json("POST", "/api/uploads", { name: "x.txt", size: -1, type: "text/plain" }), // 422
      await client.json("POST", "/api/uploads", "{not json"), // 400
      await anonymous.json("GET", "/api/auth/csrf"),
      await anonymous.json("GET", "/s/no-such-token/download"), // 404
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 404, 422, 400, 200, 404]);
    const ids = answers.map((a) => a.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);

    // A client's own X-Request-Id is not taken: Valet makes its own.
    const sent = await anonymous.json("GET", "/api/health", undefined, { "x-request-id": "chosen-by-the-client" });
    expect(sent.headers.get("x-request-id")).toMatch(UUID);

    // One that came with the request (from a proxy, say) is logged beside Valet's own when well-formed.
    const traced = await fetch(new URL("/api/files", app.url), { headers: { "x-request-id": "nginx-5f0c8d0e1b2a" } });
    const forged = await fetch(new URL("/api/files", app.url), { headers: { "x-request-id": `x"y ${"z".repeat(200)}` } });
    const [tracedLine] = logLines(app).filter((line) => line.requestId === traced.headers.get("x-request-id"));
    expect(tracedLine).toMatchObject({ status: 401, errorCode: "unauthenticated", upstreamRequestId: "nginx-5f0c8d0e1b2a" });
    const [forgedLine] = logLines(app).filter((line) => line.requestId === forged.headers.get("x-request-id"));
    expect(forgedLine).toMatchObject({ status: 401 });
    expect(forgedLine).not.toHaveProperty("upstreamRequestId");

    // Share pages get one too, dead or alive.
    const page = await fetch(new URL("/s/no-such-token", APP_URL));
    expect(page.status).toBe(404);
    expect(page.headers.get("x-request-id")).toMatch(UUID);
  });
});
