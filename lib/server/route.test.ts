import { describe, expect, it, vi } from "vitest";
import { z } from "zod";

import { AppError, ERROR_STATUS } from "@/lib/errors";

import { PEER_ADDRESS_HEADER } from "./peer-address";
import { runInRequest } from "./request-context";
import { clientIp, toErrorResponse } from "./route";

describe("toErrorResponse", () => {
  it("maps every AppError code to its status and the standard body", async () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      const res = toErrorResponse(new AppError(code as keyof typeof ERROR_STATUS, `msg ${code}`));
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ error: { code, message: `msg ${code}` } });
    }
  });

  it("turns a validation error into 422 naming the field", async () => {
    const parsed = z.object({ size: z.number().int("size must be a whole number") }).safeParse({ size: 1.5 });
    const res = toErrorResponse(parsed.error);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: { code: "invalid_input", message: "size: size must be a whole number" } });
  });

  it("answers 503 when the database connection is refused", async () => {
    const res = toErrorResponse(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }));
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe("database_unavailable");
    expect(res.headers.get("retry-after")).toBe("5");
  });

  it("hides unknown errors behind a fixed 500 message that quotes the request id, and logs the real error under that id", async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
    const context = { requestId: "3f1e2d4c-0000-4000-8000-000000000001" };
    const res = runInRequest(context, () => toErrorResponse(new Error("secret internals")));
    spy.mockRestore();
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: { code: "internal", message: `Something went wrong on our side. It has been logged. Reference: ${context.requestId}` },
    });
    expect(context).toMatchObject({ errorCode: "internal" });
    const logged = written.map((line) => JSON.parse(line) as { level: string; requestId?: string; err?: { message: string } });
    expect(logged).toEqual([
      expect.objectContaining({ level: "error", requestId: context.requestId, err: expect.objectContaining({ message: "secret internals" }) }),
    ]);
  });
});

describe("clientIp", () => {
  const headers = (forwarded: string | null, peer: string | null) => {
    const h = new Headers();
    if (forwarded !== null) h.set("x-forwarded-for", forwarded);
    if (peer !== null) h.set(PEER_ADDRESS_HEADER, peer);
    return h;
  };

  it("behind one proxy, takes the address it appended; whatever the client wrote to its left cannot choose", () => {
    expect(clientIp(headers("203.0.113.7", "10.0.0.2"), 1)).toBe("203.0.113.7");
    expect(clientIp(headers("1.1.1.1, 2.2.2.2, 203.0.113.7", "10.0.0.2"), 1)).toBe("203.0.113.7");
  });

  it("behind two proxies, takes the entry the outer one appended", () => {
    expect(clientIp(headers("6.6.6.6, 203.0.113.7, 198.51.100.1", "10.0.0.2"), 2)).toBe("203.0.113.7");
  });

  it("with no trusted proxy, ignores X-Forwarded-For and takes the TCP peer", () => {
    expect(clientIp(headers("6.6.6.6", "192.0.2.55"), 0)).toBe("192.0.2.55");
    expect(clientIp(headers(null, "192.0.2.55"), 0)).toBe("192.0.2.55");
  });

  it("an entry that is no address (written by a client, with no proxy in front) counts as the TCP peer", () => {
    expect(clientIp(headers("x".repeat(3000), "192.0.2.55"), 1)).toBe("192.0.2.55");
    expect(clientIp(headers("203.0.113.7, not-an-ip", "10.0.0.2"), 1)).toBe("10.0.0.2");
    expect(clientIp(headers("2001:db8::1", "10.0.0.2"), 1)).toBe("2001:db8::1");
  });

  it("with fewer entries than hops, takes the leftmost", () => {
    expect(clientIp(headers(null, "192.0.2.55"), 2)).toBe("192.0.2.55");
  });
});
