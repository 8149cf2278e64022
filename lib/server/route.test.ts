import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AppError, ERROR_STATUS } from "@/lib/errors";
import { toErrorResponse } from "./route";

vi.mock("./auth", () => ({ currentUser: async () => null }));

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

  it("hides unknown errors behind a fixed 500 message", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const res = toErrorResponse(new Error("secret internals"));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "internal", message: "Something went wrong on our side. It has been logged." } });
    spy.mockRestore();
  });
});
