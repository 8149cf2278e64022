import { describe, expect, it } from "vitest";

import { createLogger } from "./log";
import { redactSecrets } from "./log-redaction";

const PRESIGNED_PUT =
  "https://s3.example.com/valet/users/u1/x/a.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20260101%2Fus-east-1%2Fs3%2Faws4_request" +
  "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=content-length%3Bhost&X-Amz-Signature=0123456789abcdef0123456789abcdef";
const TOKEN = "Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg"; // 43 characters, a share token's shape

describe("redactSecrets", () => {
  it("strips the signature and the credential from a presigned S3 URL, and keeps the rest", () => {
    const out = redactSecrets(`PUT failed for ${PRESIGNED_PUT}: 403`);
    expect(out).not.toMatch(/0123456789abcdef|AKIAEXAMPLE/);
    expect(out).toContain("X-Amz-Signature=[redacted]");
    expect(out).toContain("X-Amz-Credential=[redacted]&X-Amz-Date=20260101T000000Z");
    expect(out).toContain("https://s3.example.com/valet/users/u1/x/a.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256");
    expect(out).toMatch(/: 403$/);
  });

  it("strips session tokens, SigV2/CloudFront signatures and Azure SAS signatures, in any case, also percent-encoded", () => {
    const cases = [
      "https://b.s3.amazonaws.com/k?AWSAccessKeyId=AKIAX&Expires=1&Signature=abc%2Bdef%3D",
      "https://d.cloudfront.net/k?Expires=1&Signature=abc~def&Key-Pair-Id=K1",
      "https://acct.blob.core.windows.net/c/b?sv=2024-01-01&se=2026-01-01&sp=w&sig=abc%2Fdef%3D",
      "https://s3/k?x-amz-security-token=FwoGZXIvYXdzEabc&X-AMZ-SIGNATURE=abc",
      "next=%2Fdl%3FX-Amz-Signature%3Dabcdef",
    ];
    for (const text of cases) {
      const out = redactSecrets(text);
      expect(out, text).not.toMatch(/abc|AKIAX|FwoG/);
    }
    expect(redactSecrets(cases[1]!)).toContain("Key-Pair-Id=K1");
    expect(redactSecrets(cases[2]!)).toContain("sp=w&sig=[redacted]");
  });

  it("replaces share tokens in share paths, API tokens, Authorization credentials and session cookies", () => {
    expect(redactSecrets(`GET https://files.example.com/s/${TOKEN}/download`)).toBe("GET https://files.example.com/s/[token]/download");
    expect(redactSecrets(`/s/${TOKEN}`)).toBe("/s/[token]");
    expect(redactSecrets("token valet_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 leaked")).toBe("token valet_[redacted] leaked");
    expect(redactSecrets("authorization: Bearer valet_secret-secret-secret-1")).not.toContain("secret");
    expect(redactSecrets("Authorization: Basic dXNlcjpwYXNz")).toBe("Authorization: Basic [redacted]");
    const sigv4 = "AWS4-HMAC-SHA256 Credential=AKIAX/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=feedbeef";
    expect(redactSecrets(`header ${sigv4} end`)).toBe("header AWS4-HMAC-SHA256 [redacted] end");
    expect(redactSecrets("cookie: a=1; __Secure-authjs.session-token=eyJhbGciOi.x.y; authjs.session-token.0=eyJz")).toBe(
      "cookie: a=1; __Secure-authjs.session-token=[redacted]; authjs.session-token.0=[redacted]",
    );
  });

  it("leaves ordinary text, route patterns and the setup link alone", () => {
    for (const text of [
      "POST /api/uploads/[id]/sign 200",
      "/s/[token]/download",
      "reconciler: recovered 0, rejected 0, expired 1",
      "users/0b6c/1f2e/report.pdf?versionId=abc",
      "Sign up, then open https://files.example.com/setup?token=abc_DEF-123 to become it",
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });
});

describe("the logger", () => {
  function capture() {
    const lines: string[] = [];
    const log = createLogger({ level: "info", write: (line) => lines.push(line) });
    return { log, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), raw: () => lines.join("") };
  }

  it("writes one JSON object per line with a level label, an ISO time and the message", () => {
    const { log, parsed } = capture();
    log.info({ route: "/api/files" }, "request");
    log.debug("not written at info");
    const [line, ...rest] = parsed();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ level: "info", msg: "request", route: "/api/files" });
    expect(new Date(line!.time as string).toISOString()).toBe(line!.time);
  });

  it("redacts secret fields by name and secrets inside any string, error stacks included", () => {
    const { log, raw, parsed } = capture();
    const error = new Error(`storage refused ${PRESIGNED_PUT}`);
    log.error(
      {
        err: error,
        password: "hunter22",
        body: { token: TOKEN, password: "p" },
        headers: { authorization: "Bearer valet_abcdefghijklmnopqrstuvwxyz" },
        url: PRESIGNED_PUT,
      },
      `failed for /s/${TOKEN}`,
    );
    const text = raw();
    for (const secret of ["0123456789abcdef", "AKIAEXAMPLE", "hunter22", TOKEN, "valet_abcdefghijklmnopqrstuvwxyz"]) expect(text).not.toContain(secret);
    const [line] = parsed();
    expect(line).toMatchObject({ password: "[redacted]", body: { token: "[redacted]", password: "[redacted]" }, headers: { authorization: "[redacted]" } });
    expect((line!.err as { message: string }).message).toContain("X-Amz-Signature=[redacted]");
    expect(line!.msg).toBe("failed for /s/[token]");
  });
});
