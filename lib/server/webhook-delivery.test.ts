import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { postWebhook } from "./webhook-delivery";

// One attempt's HTTP exchange, against a server on 127.0.0.1 reached through a host name that
// does not resolve at all: only the pinned address can have carried the request.

let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
const seen: Array<{ host: string | undefined; body: string }> = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    seen.push({ host: req.headers.host, body: Buffer.concat(chunks).toString("utf8") });
    handler(req, res);
  });
});
let port = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const target = (path = "/hook") => ({ url: new URL(`http://hooks.valet-test.invalid:${port}${path}`), address: "127.0.0.1", family: 4 as const });
const send = (timeoutMs = 5_000) => postWebhook(target(), { "content-type": "application/json" }, '{"type":"file.deleted"}', timeoutMs);

describe("postWebhook", () => {
  it("connects to the pinned address, whatever the host name would resolve to, and sends the name as Host", async () => {
    handler = (_req, res) => res.writeHead(204).end();
    expect(await send()).toEqual({ status: 204, error: null });
    expect(seen.at(-1)).toEqual({ host: `hooks.valet-test.invalid:${port}`, body: '{"type":"file.deleted"}' });
  });

  it("does not follow a redirect: a 3xx is a failed attempt", async () => {
    const before = seen.length;
    handler = (_req, res) => res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
    const attempt = await send();
    expect(attempt.status).toBe(302);
    expect(attempt.error).toMatch(/does not follow redirects/);
    expect(seen.length).toBe(before + 1);
  });

  it("reads only the start of a large error answer", async () => {
    handler = (_req, res) => {
      res.writeHead(500);
      res.end("x".repeat(1024 * 1024));
    };
    const attempt = await send();
    expect(attempt.status).toBe(500);
    expect(attempt.error!.length).toBeLessThan(300);
  });

  it("gives up after the timeout", async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const attempt = await send(300);
    expect(attempt).toEqual({ status: null, error: "No answer within 0.3 s (WEBHOOK_TIMEOUT_SECONDS)." });
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
