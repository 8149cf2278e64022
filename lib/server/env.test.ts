import { describe, expect, it } from "vitest";

import { GiB } from "@/lib/units";

import { ConfigError, parseEnv } from "./env";

const minimal = {
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/valet",
  AUTH_SECRET: "x".repeat(32),
  APP_URL: "https://files.example.com",
  S3_BUCKET: "valet",
};

describe("parseEnv", () => {
  it("fills documented defaults", () => {
    const env = parseEnv(minimal);
    expect(env.MAX_UPLOAD_BYTES).toBe(5 * GiB);
    expect(env.UPLOAD_URL_TTL_SECONDS).toBe(900);
    expect(env.DOWNLOAD_URL_TTL_SECONDS).toBe(3600);
    expect(env.ALLOWED_CONTENT_TYPES).toEqual(expect.arrayContaining(["image/jpeg", "image/png", "application/pdf"]));
    expect(env.CORS_ALLOWED_ORIGINS).toEqual(["https://files.example.com"]);
    expect(env.S3_FORCE_PATH_STYLE).toBe(false);
    expect(env.S3_SETUP_BUCKET).toBe(false);
  });

  it("uses path-style addressing for custom endpoints unless told otherwise", () => {
    expect(parseEnv({ ...minimal, S3_ENDPOINT: "http://127.0.0.1:7480" }).S3_FORCE_PATH_STYLE).toBe(true);
    expect(parseEnv({ ...minimal, S3_ENDPOINT: "https://r2.example.com", S3_FORCE_PATH_STYLE: "false" }).S3_FORCE_PATH_STYLE).toBe(false);
  });

  it("parses lists and lower-cases types", () => {
    const env = parseEnv({ ...minimal, ALLOWED_CONTENT_TYPES: "Image/PNG, text/plain ," });
    expect(env.ALLOWED_CONTENT_TYPES).toEqual(["image/png", "text/plain"]);
  });

  it("refuses ADMIN_EMAILS, saying how admins are made now", () => {
    expect(() => parseEnv({ ...minimal, ADMIN_EMAILS: "boss@example.com" })).toThrow(/ADMIN_EMAILS: is no longer supported.*npm run admin -- grant/);
  });

  it("requires the least-privilege keys in pairs, and both principals or neither", () => {
    expect(() => parseEnv({ ...minimal, S3_UPLOAD_ACCESS_KEY_ID: "a" })).toThrow(/S3_UPLOAD_SECRET_ACCESS_KEY/);
    expect(() => parseEnv({ ...minimal, S3_DOWNLOAD_SECRET_ACCESS_KEY: "a" })).toThrow(/S3_DOWNLOAD_SECRET_ACCESS_KEY/);
    expect(() => parseEnv({ ...minimal, S3_UPLOAD_PRINCIPAL: "arn:aws:iam:::user/up" })).toThrow(/S3_DOWNLOAD_PRINCIPAL/);
    expect(parseEnv({ ...minimal, TRUSTED_PROXY_HOPS: "0" }).TRUSTED_PROXY_HOPS).toBe(0);
    expect(parseEnv(minimal).TRUSTED_PROXY_HOPS).toBe(1);
  });

  it("explains every problem at once, by variable name", () => {
    let error: unknown;
    try {
      parseEnv({ AUTH_SECRET: "short", APP_URL: "not a url", S3_BUCKET: "valet", UPLOAD_URL_TTL_SECONDS: "0" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ["DATABASE_URL", "AUTH_SECRET", "APP_URL", "UPLOAD_URL_TTL_SECONDS"]) expect(message).toContain(`${name}:`);
  });

  it("reads LOG_LEVEL (info by default) and METRICS_TOKEN (off by default, at least 16 characters)", () => {
    expect(parseEnv(minimal).LOG_LEVEL).toBe("info");
    expect(parseEnv({ ...minimal, LOG_LEVEL: "debug" }).LOG_LEVEL).toBe("debug");
    expect(() => parseEnv({ ...minimal, LOG_LEVEL: "verbose" })).toThrow(/LOG_LEVEL:/);
    expect(parseEnv(minimal).METRICS_TOKEN).toBeUndefined();
    expect(parseEnv({ ...minimal, METRICS_TOKEN: "m".repeat(16) }).METRICS_TOKEN).toBe("m".repeat(16));
    expect(() => parseEnv({ ...minimal, METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
  });

  it("requires both S3 keys or neither", () => {
    expect(() => parseEnv({ ...minimal, S3_ACCESS_KEY_ID: "a" })).toThrow(/S3_SECRET_ACCESS_KEY/);
  });

  describe("identity provider settings", () => {
    const oidc = { OIDC_ISSUER: "https://sso.example.com/realms/staff", OIDC_CLIENT_ID: "valet", OIDC_CLIENT_SECRET: "s3cret" };

    it("is off without an issuer, and fills defaults with one", () => {
      expect(parseEnv(minimal).OIDC).toBeNull();
      expect(parseEnv(minimal).LOCAL_SIGNIN).toBe(true);
      expect(parseEnv(minimal).SIGN_UP).toBe(true);
      expect(parseEnv({ ...minimal, ...oidc }).OIDC).toEqual({
        issuer: oidc.OIDC_ISSUER,
        clientId: "valet",
        clientSecret: "s3cret",
        displayName: "sso.example.com",
        scopes: ["openid", "email", "profile"],
        adminGroups: null,
        groupsClaim: "groups",
        allowedDomains: null,
        trustEmail: false,
      });
      const full = parseEnv({
        ...minimal,
        ...oidc,
        OIDC_DISPLAY_NAME: "Acme SSO",
        OIDC_SCOPES: "openid email profile groups",
        OIDC_ADMIN_GROUPS: "valet-admins, ops",
        OIDC_GROUPS_CLAIM: "roles",
        OIDC_ALLOWED_DOMAINS: "@Example.com, example.org",
        LOCAL_SIGNIN: "false",
        OIDC_TRUST_EMAIL: "true",
      });
      expect(full.OIDC).toMatchObject({ displayName: "Acme SSO", scopes: ["openid", "email", "profile", "groups"], adminGroups: ["valet-admins", "ops"] });
      expect(full.OIDC).toMatchObject({ groupsClaim: "roles", allowedDomains: ["example.com", "example.org"] });
      expect(full.LOCAL_SIGNIN).toBe(false);
      expect(full.OIDC?.trustEmail).toBe(true);
    });

    it("says what is missing or wrong, by name", () => {
      expect(() => parseEnv({ ...minimal, OIDC_ISSUER: oidc.OIDC_ISSUER })).toThrow(/OIDC_CLIENT_ID: set both OIDC_ISSUER and OIDC_CLIENT_ID/);
      expect(() => parseEnv({ ...minimal, OIDC_ISSUER: oidc.OIDC_ISSUER, OIDC_CLIENT_ID: "valet" })).toThrow(/OIDC_CLIENT_SECRET/);
      expect(() => parseEnv({ ...minimal, LOCAL_SIGNIN: "false" })).toThrow(/LOCAL_SIGNIN: false needs an identity provider/);
      expect(() => parseEnv({ ...minimal, OIDC_ADMIN_GROUPS: "admins" })).toThrow(/OIDC_ADMIN_GROUPS: only works with an identity provider/);
      expect(() => parseEnv({ ...minimal, OIDC_TRUST_EMAIL: "true" })).toThrow(/OIDC_TRUST_EMAIL: only works with an identity provider/);
      expect(() => parseEnv({ ...minimal, ...oidc, OIDC_TRUST_EMAIL: "yes" })).toThrow(/OIDC_TRUST_EMAIL/);
      expect(() => parseEnv({ ...minimal, ...oidc, OIDC_SCOPES: "email profile" })).toThrow(/OIDC_SCOPES: must include openid/);
      expect(() => parseEnv({ ...minimal, ...oidc, OIDC_ISSUER: "http://sso.example.com" })).toThrow(/OIDC_ISSUER: must be https/);
      expect(() => parseEnv({ ...minimal, ...oidc, OIDC_ALLOWED_DOMAINS: "example.com, not a domain" })).toThrow(/OIDC_ALLOWED_DOMAINS/);
      // A provider on this machine may be plain http (the test suite's is).
      expect(parseEnv({ ...minimal, ...oidc, OIDC_ISSUER: "http://localhost:8080/realms/dev" }).OIDC?.issuer).toBe("http://localhost:8080/realms/dev");
    });
  });
});

describe("parseEnv with STORAGE=azure", () => {
  const azure = { DATABASE_URL: minimal.DATABASE_URL, AUTH_SECRET: minimal.AUTH_SECRET, APP_URL: minimal.APP_URL, STORAGE: "azure", AZURE_CONTAINER: "valet" };
  const devKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  it("defaults to S3 and needs no Azure setting there", () => {
    expect(parseEnv(minimal).STORAGE).toBe("s3");
    expect(parseEnv(minimal).AZURE).toBeUndefined();
  });

  it("takes the account and key, with the public endpoint unless AZURE_BLOB_ENDPOINT says otherwise", () => {
    const env = parseEnv({ ...azure, AZURE_STORAGE_ACCOUNT: "acct", AZURE_STORAGE_KEY: devKey });
    expect(env.AZURE).toEqual({ account: "acct", key: devKey, container: "valet", endpoint: "https://acct.blob.core.windows.net" });
    expect(
      parseEnv({ ...azure, AZURE_STORAGE_ACCOUNT: "acct", AZURE_STORAGE_KEY: devKey, AZURE_BLOB_ENDPOINT: "http://127.0.0.1:10000/acct/" }).AZURE?.endpoint,
    ).toBe("http://127.0.0.1:10000/acct");
  });

  it("reads a connection string (endpoint suffix for sovereign clouds, or BlobEndpoint)", () => {
    const cs = `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${devKey};EndpointSuffix=core.chinacloudapi.cn`;
    expect(parseEnv({ ...azure, AZURE_STORAGE_CONNECTION_STRING: cs }).AZURE).toEqual({
      account: "acct",
      key: devKey,
      container: "valet",
      endpoint: "https://acct.blob.core.chinacloudapi.cn",
    });
    const azurite = `AccountName=devstoreaccount1;AccountKey=${devKey};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;`;
    expect(parseEnv({ ...azure, AZURE_STORAGE_CONNECTION_STRING: azurite }).AZURE?.endpoint).toBe("http://127.0.0.1:10000/devstoreaccount1");
  });

  it("refuses a missing container or key, and a SAS connection string (it cannot sign)", () => {
    const problems = (source: Record<string, string>) => {
      try {
        parseEnv(source);
        return "";
      } catch (error) {
        return (error as ConfigError).message;
      }
    };
    expect(problems({ ...azure, AZURE_CONTAINER: "", AZURE_STORAGE_ACCOUNT: "acct", AZURE_STORAGE_KEY: devKey })).toContain("AZURE_CONTAINER");
    expect(problems({ ...azure, AZURE_STORAGE_ACCOUNT: "acct" })).toContain("AZURE_STORAGE_KEY");
    expect(problems({ ...azure, AZURE_STORAGE_CONNECTION_STRING: "BlobEndpoint=https://acct.blob.core.windows.net;SharedAccessSignature=sv=x" })).toContain(
      "AZURE_STORAGE_CONNECTION_STRING",
    );
    expect(problems({ ...azure, AZURE_STORAGE_ACCOUNT: "acct", AZURE_STORAGE_KEY: devKey, AZURE_CONTAINER: "Bad_Name" })).toContain("AZURE_CONTAINER");
    // S3_BUCKET is only needed on S3.
    expect(problems({ ...azure, AZURE_STORAGE_ACCOUNT: "acct", AZURE_STORAGE_KEY: devKey })).toBe("");
  });
});
