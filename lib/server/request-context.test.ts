import { describe, expect, it } from "vitest";

import { currentRequest, noteRequestUser, routePattern, runInRequest, upstreamRequestId } from "./request-context";

describe("upstreamRequestId", () => {
  it("keeps a well-formed incoming id: a UUID, nginx's $request_id, up to 128 characters of [A-Za-z0-9._:-]", () => {
    for (const id of ["0b6c1f2e-8a4d-4b4e-9a51-2f6f9c3d7e10", "5f0c8d0e1b2a3c4d5e6f7a8b9c0d1e2f", "lb-1:req.42_x", "a".repeat(128)]) {
      expect(upstreamRequestId(id)).toBe(id);
    }
  });

  it("drops anything else: absent, empty, too long, spaces, newlines, quotes, URLs", () => {
    for (const id of [null, "", "a".repeat(129), "two words", "id\nforged line", 'x"}', "https://evil.example/?a=b", "ünïcode"]) {
      expect(upstreamRequestId(id)).toBeUndefined();
    }
  });
});

describe("routePattern", () => {
  it("names a route by its file path: param values become their names", () => {
    const id = "0b6c1f2e-8a4d-4b4e-9a51-2f6f9c3d7e10";
    expect(routePattern(`/api/files/${id}/download`, { id })).toBe("/api/files/[id]/download");
    expect(routePattern("/api/uploads", {})).toBe("/api/uploads");
    expect(routePattern("/api/health", undefined)).toBe("/api/health");
  });

  it("never keeps a share token, also percent-encoded or malformed", () => {
    const token = "Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg";
    expect(routePattern(`/s/${token}/download`, { token })).toBe("/s/[token]/download");
    expect(routePattern("/s/a%20b/download", { token: "a b" })).toBe("/s/[token]/download");
    expect(routePattern("/s/%E0%A4%A/download", { token: "%E0%A4%A" })).toBe("/s/[token]/download");
  });

  it("folds a catch-all's segments into one", () => {
    expect(routePattern("/api/auth/callback/credentials", { nextauth: ["callback", "credentials"] })).toBe("/api/auth/[...nextauth]");
  });
});

describe("the request context", () => {
  it("is seen by everything awaited inside the request, and nowhere else", async () => {
    expect(currentRequest()).toBeUndefined();
    const seen = await runInRequest({ requestId: "r1" }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      noteRequestUser("u1");
      return currentRequest();
    });
    expect(seen).toEqual({ requestId: "r1", userId: "u1" });
    noteRequestUser("u2");
    expect(currentRequest()).toBeUndefined();
  });
});
