import "server-only";

import { z } from "zod";

import { azureBlobEndpoint, parseConnectionString } from "@/lib/azure-connection-string";
import { DEFAULT_ALLOWED_CONTENT_TYPES } from "@/lib/media-types";
import { GiB } from "@/lib/units";
import { MAX_OBJECT_BYTES } from "@/lib/upload-policy";

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");
const list = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);
const seconds = (max: number) => z.coerce.number().int().min(1).max(max);

/** Settings that only make sense in pairs. */
const SET_TOGETHER = [
  ["S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", " (to use the AWS default credential chain)"],
  ["S3_UPLOAD_ACCESS_KEY_ID", "S3_UPLOAD_SECRET_ACCESS_KEY", ""],
  ["S3_DOWNLOAD_ACCESS_KEY_ID", "S3_DOWNLOAD_SECRET_ACCESS_KEY", ""],
  ["S3_UPLOAD_PRINCIPAL", "S3_DOWNLOAD_PRINCIPAL", " (for the bucket policy)"],
  ["OIDC_ISSUER", "OIDC_CLIENT_ID", " (to sign in with an identity provider)"],
  ["OIDC_ISSUER", "OIDC_CLIENT_SECRET", " (to sign in with an identity provider)"],
] as const;

/** Settings that only mean something with an identity provider. */
const NEEDS_OIDC = ["OIDC_DISPLAY_NAME", "OIDC_SCOPES", "OIDC_ADMIN_GROUPS", "OIDC_GROUPS_CLAIM", "OIDC_ALLOWED_DOMAINS", "OIDC_TRUST_EMAIL"] as const;

/** Loopback hosts, where an http:// issuer is allowed (a provider on the same machine, as in the tests). */
const isLoopback = (url: URL) => ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);

const envSchema = z
  .object({
    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
    // Connections each instance keeps. `npm run dev` sets 1: its embedded database has a single
    // session, and several connections would interleave their messages on it.
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters (e.g. `openssl rand -base64 32`)"),
    APP_URL: z.url("must be the app's public URL, e.g. https://files.example.com"),
    // Which object storage holds the files: S3 (or an S3-compatible store) or Azure Blob Storage.
    STORAGE: z.enum(["s3", "azure"]).default("s3"),
    S3_ENDPOINT: z.url().optional(),
    S3_REGION: z.string().min(1).default("us-east-1"),
    S3_BUCKET: z.string().min(3, "must name the bucket").optional(),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    // Least privilege: browsers only ever get URLs signed by these two. Unset, the main keys sign
    // them too (with a warning at start: storage then acts on unsigned headers such as
    // x-amz-copy-source with the main key's rights).
    S3_UPLOAD_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_UPLOAD_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_DOWNLOAD_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_DOWNLOAD_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    // Who those keys are, for the bucket policy S3_SETUP_BUCKET writes (e.g. arn:aws:iam:::user/valet-upload on Ceph RGW).
    S3_UPLOAD_PRINCIPAL: z.string().min(1).optional(),
    S3_DOWNLOAD_PRINCIPAL: z.string().min(1).optional(),
    S3_FORCE_PATH_STYLE: bool.optional(),
    S3_SETUP_BUCKET: bool.default(false),
    // STORAGE=azure: the account and its key (or a connection string with both), the container,
    // and the blob endpoint where it is not https://<account>.blob.core.windows.net (Azurite,
    // sovereign clouds). The key signs every SAS and never leaves the server.
    AZURE_STORAGE_ACCOUNT: z.string().min(3).optional(),
    AZURE_STORAGE_KEY: z.string().min(1).optional(),
    AZURE_STORAGE_CONNECTION_STRING: z.string().min(1).optional(),
    AZURE_CONTAINER: z
      .string()
      .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, "must be a container name (3-63 lowercase letters, digits, single hyphens)")
      .optional(),
    AZURE_BLOB_ENDPOINT: z.url().optional(),
    // S3_SETUP_BUCKET's equivalent: create the container and set the blob service's CORS rule.
    AZURE_SETUP_CONTAINER: bool.default(false),
    MAX_UPLOAD_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_OBJECT_BYTES)
      .default(5 * GiB),
    ALLOWED_CONTENT_TYPES: list.optional(),
    // SigV4 presigned URLs live at most 7 days.
    UPLOAD_URL_TTL_SECONDS: seconds(604_800).default(900),
    // Storage requests each browser keeps in flight for its uploads (parts of one file, or files).
    UPLOAD_PART_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(4),
    DOWNLOAD_URL_TTL_SECONDS: seconds(604_800).default(3600),
    SHARE_MAX_TTL_SECONDS: seconds(365 * 86_400).default(30 * 86_400),
    // Share redirects are followed at once; a minute covers slow clients without lingering.
    SHARE_DOWNLOAD_URL_TTL_SECONDS: seconds(3600).default(60),
    // Removed: emails are never verified, so listing one made whoever signed up first with it an
    // admin. Refused at start with instructions (see the refine below).
    ADMIN_EMAILS: z.string().optional(),
    QUOTA_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .default(50 * GiB),
    QUOTA_FILES: z.coerce.number().int().min(0).default(10_000),
    RATE_LIMIT_RESERVE_PER_MINUTE: z.coerce.number().int().min(1).default(60),
    RATE_LIMIT_SIGN_PER_MINUTE: z.coerce.number().int().min(1).default(600),
    RATE_LIMIT_SHARE_DOWNLOAD_PER_MINUTE: z.coerce.number().int().min(1).default(60),
    RATE_LIMIT_PASSWORD_PER_MINUTE: z.coerce.number().int().min(1).default(10),
    // Sign-in attempts per account and per client address in 15 minutes; sign-ups per address an hour.
    RATE_LIMIT_SIGN_IN_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
    RATE_LIMIT_SIGN_IN_PER_IP: z.coerce.number().int().min(1).default(50),
    RATE_LIMIT_SIGN_UP_PER_IP: z.coerce.number().int().min(1).default(20),
    // How many proxies in front of Valet append to X-Forwarded-For. The client's address is that many
    // entries from the right (0: the TCP peer; X-Forwarded-For is ignored).
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(1),
    AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).default(365),
    // 0 turns the in-app reconciler off (run `npm run reconcile` from cron instead).
    RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(600),
    // How often each instance HEADs the bucket to know whether storage is reachable; reserve and
    // sign answer 503 at once while the last look (or any storage call since) found it down.
    STORAGE_PROBE_INTERVAL_SECONDS: seconds(3600).default(5),
    CORS_ALLOWED_ORIGINS: list.optional(),
    // Background jobs (thumbnails, checksums, webhooks) each instance runs at once; 0: this instance
    // runs none (a separate `npm run worker` fleet does). Any number of processes share the queue.
    WORKER_CONCURRENCY: z.coerce.number().int().min(0).max(64).default(2),
    // A worker process silent this long is taken for dead, and the jobs it held are retried.
    WORKER_STALE_AFTER_SECONDS: z.coerce.number().int().min(3).max(3600).default(60),
    // Images with more pixels than this get no thumbnail (the decoder would need ~4 bytes each).
    THUMBNAIL_MAX_PIXELS: z.coerce.number().int().min(1).max(1_000_000_000).default(50_000_000),
    // Webhooks: attempts before a delivery is dead (e^n seconds apart, ≈ 6 h in all for 10), the
    // time an endpoint has to answer, and whether endpoints may resolve to private addresses.
    WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(25).default(10),
    WEBHOOK_TIMEOUT_SECONDS: seconds(60).default(10),
    WEBHOOK_ALLOW_PRIVATE: bool.default(false),
    // The least severe log line written (JSON on stdout; see log.ts).
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    // Bearer token for GET /api/metrics; unset, the endpoint answers 404 (metrics are off).
    METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (e.g. `openssl rand -hex 32`)").optional(),
    // Sign-up: new accounts, by password or at a first sign-in with the identity provider.
    SIGN_UP: bool.default(true),
    // Password sign-in (and password sign-up). Off: the identity provider is the only way in.
    LOCAL_SIGNIN: bool.default(true),
    // OpenID Connect (authorization code + PKCE, discovered from the issuer): README, Identity providers.
    OIDC_ISSUER: z.url("must be the provider's issuer URL, e.g. https://sso.example.com/realms/staff").optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    OIDC_DISPLAY_NAME: z.string().trim().min(1).max(60).optional(),
    OIDC_SCOPES: z
      .string()
      .transform((v) => v.split(/[\s,]+/).filter(Boolean))
      .refine((scopes) => scopes.includes("openid"), "must include openid (e.g. `openid email profile`)")
      .optional(),
    // Members of any of these groups are administrators, and nobody else who signs in with the provider.
    OIDC_ADMIN_GROUPS: list.optional(),
    // The ID token claim that lists someone's groups (a list of strings, or one string).
    OIDC_GROUPS_CLAIM: z.string().trim().min(1).optional(),
    // When set, only addresses in these domains may sign in with the provider.
    OIDC_ALLOWED_DOMAINS: list.optional(),
    // true: every email the provider sends counts as verified (for providers that never send
    // email_verified, such as Entra ID, when the organisation controls every address it issues).
    OIDC_TRUST_EMAIL: bool.optional(),
  })
  .refine((e) => e.ADMIN_EMAILS === undefined, {
    message:
      "is no longer supported: emails are not verified, so a listed address made whoever signed up with it first an admin. " +
      "Grant admin on the server with `npm run admin -- grant <email>`, then remove ADMIN_EMAILS",
    path: ["ADMIN_EMAILS"],
  })
  .superRefine((e, ctx) => {
    for (const [a, b, why] of SET_TOGETHER) {
      if ((e[a] === undefined) !== (e[b] === undefined)) ctx.addIssue({ code: "custom", message: `set both ${a} and ${b}, or neither${why}`, path: [b] });
    }
    if (e.OIDC_ISSUER === undefined) {
      for (const name of NEEDS_OIDC) {
        if (e[name] !== undefined) ctx.addIssue({ code: "custom", message: "only works with an identity provider: set OIDC_ISSUER too", path: [name] });
      }
      if (!e.LOCAL_SIGNIN)
        ctx.addIssue({ code: "custom", message: "false needs an identity provider (OIDC_ISSUER), or nobody could sign in", path: ["LOCAL_SIGNIN"] });
    } else {
      const issuer = new URL(e.OIDC_ISSUER);
      if (issuer.protocol !== "https:" && !(issuer.protocol === "http:" && isLoopback(issuer))) {
        ctx.addIssue({ code: "custom", message: "must be https:// (http:// only for a provider on this machine)", path: ["OIDC_ISSUER"] });
      }
      if (issuer.search || issuer.hash)
        ctx.addIssue({ code: "custom", message: "must be the issuer itself, without ?query or #fragment", path: ["OIDC_ISSUER"] });
    }
    for (const domain of e.OIDC_ALLOWED_DOMAINS ?? []) {
      if (!/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(domain.replace(/^@/, "")))
        ctx.addIssue({ code: "custom", message: `"${domain}" is not a domain name`, path: ["OIDC_ALLOWED_DOMAINS"] });
    }
    if (e.STORAGE === "s3" && e.S3_BUCKET === undefined) ctx.addIssue({ code: "custom", message: "must name the bucket", path: ["S3_BUCKET"] });
    if (e.STORAGE !== "azure") return;
    if (e.AZURE_CONTAINER === undefined) ctx.addIssue({ code: "custom", message: "must name the container (STORAGE=azure)", path: ["AZURE_CONTAINER"] });
    const fromString = e.AZURE_STORAGE_CONNECTION_STRING === undefined ? undefined : parseConnectionString(e.AZURE_STORAGE_CONNECTION_STRING);
    if (fromString === null) {
      ctx.addIssue({
        code: "custom",
        message: "must hold AccountName and AccountKey (a SAS connection string cannot sign)",
        path: ["AZURE_STORAGE_CONNECTION_STRING"],
      });
    } else if (fromString === undefined && (e.AZURE_STORAGE_ACCOUNT === undefined || e.AZURE_STORAGE_KEY === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "set AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY, or AZURE_STORAGE_CONNECTION_STRING (STORAGE=azure)",
        path: ["AZURE_STORAGE_KEY"],
      });
    }
  })
  .transform((e) => ({
    ...e,
    AZURE: azureSettings(e),
    APP_ORIGIN: new URL(e.APP_URL).origin,
    // Path-style addressing is what Ceph RGW, MinIO and s3rver expect; AWS prefers virtual hosts.
    S3_FORCE_PATH_STYLE: e.S3_FORCE_PATH_STYLE ?? e.S3_ENDPOINT !== undefined,
    ALLOWED_CONTENT_TYPES: (e.ALLOWED_CONTENT_TYPES ?? DEFAULT_ALLOWED_CONTENT_TYPES).map((t) => t.toLowerCase()),
    CORS_ALLOWED_ORIGINS: e.CORS_ALLOWED_ORIGINS ?? [new URL(e.APP_URL).origin],
    OIDC: oidcConfig(e),
  }));

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  displayName: string;
  scopes: string[];
  /** Null: the provider does not decide roles (operators and admins do, as without it). */
  adminGroups: string[] | null;
  groupsClaim: string;
  /** Null: any domain. Lower case, without "@". */
  allowedDomains: string[] | null;
  /** OIDC_TRUST_EMAIL: the provider's emails count as verified, whatever email_verified says. */
  trustEmail: boolean;
}

function oidcConfig(e: {
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  OIDC_DISPLAY_NAME?: string;
  OIDC_SCOPES?: string[];
  OIDC_ADMIN_GROUPS?: string[];
  OIDC_GROUPS_CLAIM?: string;
  OIDC_ALLOWED_DOMAINS?: string[];
  OIDC_TRUST_EMAIL?: boolean;
}): OidcConfig | null {
  if (!e.OIDC_ISSUER || !e.OIDC_CLIENT_ID || !e.OIDC_CLIENT_SECRET) return null;
  return {
    issuer: e.OIDC_ISSUER,
    clientId: e.OIDC_CLIENT_ID,
    clientSecret: e.OIDC_CLIENT_SECRET,
    displayName: e.OIDC_DISPLAY_NAME ?? new URL(e.OIDC_ISSUER).host,
    scopes: e.OIDC_SCOPES ?? ["openid", "email", "profile"],
    adminGroups: e.OIDC_ADMIN_GROUPS && e.OIDC_ADMIN_GROUPS.length > 0 ? e.OIDC_ADMIN_GROUPS : null,
    groupsClaim: e.OIDC_GROUPS_CLAIM ?? "groups",
    allowedDomains: e.OIDC_ALLOWED_DOMAINS && e.OIDC_ALLOWED_DOMAINS.length > 0 ? e.OIDC_ALLOWED_DOMAINS.map((d) => d.replace(/^@/, "").toLowerCase()) : null,
    trustEmail: e.OIDC_TRUST_EMAIL ?? false,
  };
}

export type Env = z.infer<typeof envSchema>;

/** The Azure settings as one value (from a connection string or the separate variables), when STORAGE=azure. */
function azureSettings(e: {
  STORAGE: "s3" | "azure";
  AZURE_STORAGE_ACCOUNT?: string;
  AZURE_STORAGE_KEY?: string;
  AZURE_STORAGE_CONNECTION_STRING?: string;
  AZURE_CONTAINER?: string;
  AZURE_BLOB_ENDPOINT?: string;
}): { account: string; key: string; container: string; endpoint: string } | undefined {
  if (e.STORAGE !== "azure") return undefined;
  const parsed = e.AZURE_STORAGE_CONNECTION_STRING ? parseConnectionString(e.AZURE_STORAGE_CONNECTION_STRING) : null;
  const account = parsed?.account ?? e.AZURE_STORAGE_ACCOUNT ?? "";
  return {
    account,
    key: parsed?.key ?? e.AZURE_STORAGE_KEY ?? "",
    container: e.AZURE_CONTAINER ?? "",
    endpoint: azureBlobEndpoint({ account, endpoint: e.AZURE_BLOB_ENDPOINT, connectionString: e.AZURE_STORAGE_CONNECTION_STRING }),
  };
}

export class ConfigError extends Error {}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings mean "unset", as in most deployment tools.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(config)"}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}\nSee the configuration table in README.md.`);
  }
  return result.data;
}

let cached: Env | undefined;

/** The validated configuration; parsed on first use (at server start, from instrumentation.ts). */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
