import { describe, expect, it } from "vitest";

import { contentSecurityPolicy, identityProviderOrigin, storageOrigin } from "./security-headers";

describe("storageOrigin", () => {
  it("is the endpoint for path-style storage and the bucket's host otherwise", () => {
    expect(storageOrigin({ endpoint: "http://127.0.0.1:7480", region: "us-east-1", bucket: "valet", forcePathStyle: true })).toBe("http://127.0.0.1:7480");
    expect(storageOrigin({ endpoint: "https://acc.r2.cloudflarestorage.com", region: "auto", bucket: "valet", forcePathStyle: false })).toBe(
      "https://valet.acc.r2.cloudflarestorage.com",
    );
    expect(storageOrigin({ region: "eu-west-1", bucket: "valet", forcePathStyle: false })).toBe("https://valet.s3.eu-west-1.amazonaws.com");
  });
});

describe("contentSecurityPolicy", () => {
  const directives = (csp: string) => Object.fromEntries(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));

  it("allows scripts only with the nonce, and storage only where uploads and previews need it", () => {
    const d = directives(contentSecurityPolicy({ nonce: "abc", storage: "https://s.example", isDev: false }));
    expect(d["script-src"]).toEqual(["'self'", "'nonce-abc'", "'strict-dynamic'"]);
    for (const name of ["connect-src", "img-src", "media-src", "frame-src", "form-action"]) expect(d[name]).toContain("https://s.example");
    expect(d["default-src"]).toEqual(["'self'"]);
    expect(d["frame-ancestors"]).toEqual(["'none'"]);
    expect(d["object-src"]).toEqual(["'none'"]);
  });

  it("adds eval and websockets only for next dev", () => {
    expect(contentSecurityPolicy({ nonce: "n", storage: "http://s", isDev: false })).not.toMatch(/unsafe-eval|ws:/);
    const dev = directives(contentSecurityPolicy({ nonce: "n", storage: "http://s", isDev: true }));
    expect(dev["script-src"]).toContain("'unsafe-eval'");
    expect(dev["connect-src"]).toContain("ws:");
  });

  it("lets forms end at the identity provider's origin, and nowhere else, when there is one", () => {
    // "Sign in with …" posts to Valet, which redirects to the provider; Chromium holds that redirect to form-action.
    const withIdp = directives(contentSecurityPolicy({ nonce: "n", storage: "https://s.example", isDev: false, identityProvider: "https://sso.example.com" }));
    expect(withIdp["form-action"]).toEqual(["'self'", "https://s.example", "https://sso.example.com"]);
    expect(withIdp["connect-src"]).not.toContain("https://sso.example.com");
    expect(directives(contentSecurityPolicy({ nonce: "n", storage: "https://s.example", isDev: false }))["form-action"]).toEqual([
      "'self'",
      "https://s.example",
    ]);
    expect(identityProviderOrigin("https://login.microsoftonline.com/tenant/v2.0")).toBe("https://login.microsoftonline.com");
    expect(identityProviderOrigin("not a url")).toBeUndefined();
    expect(identityProviderOrigin(undefined)).toBeUndefined();
  });
});
