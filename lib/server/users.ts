import "server-only";

import { randomUUID } from "node:crypto";
import type { z } from "zod";

import { Prisma, type PrismaClient, type User } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { DEFAULT_TOKEN_SCOPES, isScope, TOKEN_SCOPES, type Scope } from "@/lib/scopes";
import type { UpdateUserInput } from "@/lib/validation/admin";
import type { signUpSchema } from "@/lib/validation/users";

import { assertAdmin, unauthenticated, type Actor } from "./access";
import { LAST_USED_RESOLUTION_MS } from "./api-tokens";
import { recordAudit, type RequestMeta } from "./audit";
import { cursorTime, decodeCursor, encodeCursor } from "./cursor";
import { db, NOW_UTC, queryRows } from "./db";
import { env } from "./env";
import { hashPassword } from "./passwords";
import { effectiveQuota, usageOf } from "./quota";
import { enforceRateLimit } from "./rate-limit";
import { noteRequestUser } from "./request-context";
import { containsPattern } from "./upload-pages";
import { abortPendingUpload } from "./uploads";

// Accounts: sign-up, the acting user of each request, and what administrators do with accounts.
// Nobody becomes an administrator by signing up: an operator grants it on the server
// (`npm run admin -- grant <email>`), or, on a fresh install, the holder of the one-time setup
// token printed in the server log claims it (setup.ts).

/** Activity is recorded at most this often per user, so reads don't all become writes. */
export const LAST_ACTIVE_RESOLUTION_MS = 60_000;

export type ActorRow = Pick<User, "id" | "email" | "name" | "role">;

/** A session may do all its role allows; a token what it was given, within that. */
export function toActor(user: ActorRow, token?: { id: string; scopes: string[] }): Actor {
  const allowed: Scope[] = user.role === "ADMIN" ? [...TOKEN_SCOPES] : DEFAULT_TOKEN_SCOPES;
  const scopes = token ? allowed.filter((s) => token.scopes.filter(isScope).includes(s)) : allowed;
  return { id: user.id, email: user.email, name: user.name, role: user.role, scopes, ...(token ? { tokenId: token.id } : {}) };
}

/** LOCAL_SIGNIN=false: the identity provider is the only way in; no password signs anyone in or up. */
export function assertPasswordSignInEnabled(): void {
  if (!env().LOCAL_SIGNIN) {
    throw new AppError("password_sign_in_disabled", `Passwords are turned off here. Sign in with ${env().OIDC?.displayName ?? "your identity provider"}.`);
  }
}

/** SIGN_UP=false: no new accounts, by password or at a first sign-in with the identity provider. */
export function assertSignUpOpen(): void {
  if (!env().SIGN_UP) throw new AppError("sign_up_closed", "This Valet does not create new accounts. Ask an administrator.");
}

// POST /api/users — every new account is an ordinary user.
export async function createUser(input: z.infer<typeof signUpSchema>, meta: RequestMeta): Promise<Actor> {
  assertPasswordSignInEnabled();
  assertSignUpOpen();
  await enforceRateLimit("sign_up", { ip: meta.ip });
  const passwordHash = await hashPassword(input.password);
  try {
    return await db().$transaction(async (tx) => {
      const user = await tx.user.create({ data: { id: randomUUID(), email: input.email, name: input.name || null, passwordHash } });
      await recordAudit(tx, { action: "user.created", actorUserId: user.id, detail: { role: user.role } }, meta);
      return toActor(user);
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("email_taken", "An account with this email already exists. Sign in instead.");
    }
    throw error;
  }
}

/**
 * Who a request says it is, before the database has confirmed it: the user a valid session cookie
 * names, or the hash of an API token. Only actorSql turns one into an Actor.
 */
export type Caller = { sessionUserId: string } | { tokenHash: string };

/**
 * The CTE `actor` (id, email, name, role, "tokenId", scopes), one row when the caller is good now —
 * the session's user exists and is not disabled; or the token exists, is neither revoked nor
 * expired, and its user is not disabled — and the activity stamps, each written at most once per
 * resolution. Every request that acts for someone runs it in its first statement, so a disabled
 * account or a revoked token is refused on its very next request, on every instance, without a
 * round trip of its own: routes through withUser's statement, the sign call inside its own.
 */
export function actorSql(caller: Caller): Prisma.Sql {
  const stale = (column: string, resolutionMs: number) =>
    Prisma.sql`(${Prisma.raw(column)} IS NULL OR ${Prisma.raw(column)} < ${NOW_UTC} - make_interval(secs => ${resolutionMs / 1000}))`;
  if ("sessionUserId" in caller) {
    return Prisma.sql`
      actor AS (SELECT id, email, name, role, NULL::uuid AS "tokenId", NULL::text[] AS scopes FROM "User" WHERE id = ${caller.sessionUserId}::uuid AND "disabledAt" IS NULL),
      actor_seen AS (UPDATE "User" SET "lastActiveAt" = ${NOW_UTC} WHERE id = (SELECT id FROM actor) AND ${stale(`"lastActiveAt"`, LAST_ACTIVE_RESOLUTION_MS)})`;
  }
  return Prisma.sql`
    actor AS (
      SELECT u.id, u.email, u.name, u.role, t.id AS "tokenId", t.scopes
      FROM "ApiToken" t JOIN "User" u ON u.id = t."userId"
      WHERE t."tokenHash" = ${caller.tokenHash} AND t."revokedAt" IS NULL AND (t."expiresAt" IS NULL OR t."expiresAt" > ${NOW_UTC}) AND u."disabledAt" IS NULL
    ),
    actor_seen AS (UPDATE "User" SET "lastActiveAt" = ${NOW_UTC} WHERE id = (SELECT id FROM actor) AND ${stale(`"lastActiveAt"`, LAST_ACTIVE_RESOLUTION_MS)}),
    actor_token_used AS (UPDATE "ApiToken" SET "lastUsedAt" = ${NOW_UTC} WHERE id = (SELECT "tokenId" FROM actor) AND ${stale(`"lastUsedAt"`, LAST_USED_RESOLUTION_MS)})`;
}

/** For the final SELECT of a statement with actorSql: the actor's row as JSON, or null. */
export const ACTOR_COLUMN = Prisma.sql`(SELECT row_to_json(actor) FROM actor) AS actor`;

export type ActorColumn = { actor: (ActorRow & { tokenId: string | null; scopes: string[] | null }) | null };

/**
 * SQL that holds when the actor may use `scope` (what toActor grants: a token its own scopes within
 * its role's, a session all of its role's). Only to spare a request that will be refused its side
 * effects (a rate-limit count); assertScope, on the Actor, is what refuses it.
 */
export function actorMaySql(scope: Scope): Prisma.Sql {
  const roleAllows = scope === "admin" ? Prisma.sql`(SELECT role FROM actor) = 'ADMIN'` : Prisma.sql`true`;
  return Prisma.sql`(${roleAllows} AND ((SELECT "tokenId" FROM actor) IS NULL OR ${scope}::text = ANY(COALESCE((SELECT scopes FROM actor), '{}'))))`;
}

/** The Actor a statement with actorSql found (its id goes on the request's log line), or the 401 the caller's way of authenticating gets. */
export function actorFrom(caller: Caller, row: ActorColumn): Actor {
  const found = row.actor;
  if (!found) throw unauthenticated("tokenHash" in caller ? "token" : "session");
  noteRequestUser(found.id);
  return toActor(found, found.tokenId ? { id: found.tokenId, scopes: found.scopes ?? [] } : undefined);
}

/** The caller confirmed as an Actor (one statement), or 401. */
export async function resolveActor(caller: Caller): Promise<Actor> {
  const [row] = await queryRows<ActorColumn>(Prisma.sql`WITH ${actorSql(caller)} SELECT ${ACTOR_COLUMN}`);
  return actorFrom(caller, row!);
}

/** For pages: the session's user, or null where an API route would answer 401. */
export async function findSessionActor(sessionUserId: string): Promise<Actor | null> {
  const caller = { sessionUserId };
  const [row] = await queryRows<ActorColumn>(Prisma.sql`WITH ${actorSql(caller)} SELECT ${ACTOR_COLUMN}`);
  return row?.actor ? actorFrom(caller, row) : null;
}

interface UserUsageRow {
  id: string;
  email: string;
  name: string | null;
  role: "USER" | "ADMIN";
  createdAt: Date;
  disabledAt: Date | null;
  lastActiveAt: Date | null;
  quotaBytes: bigint | null;
  quotaFiles: number | null;
  files: bigint;
  bytes: bigint | null;
  pendingFiles: bigint;
  pendingBytes: bigint | null;
  hasPassword: boolean;
  issuers: string[];
}

/** How an account signs in, in words: "password", and the identity providers it is linked to (the configured one by its name). */
function signInMethodsOf(u: { hasPassword: boolean; issuers: string[] }): string[] {
  const oidc = env().OIDC;
  const same = (a: string, b: string) => new URL(a).href === new URL(b).href;
  const providers = u.issuers.map((issuer) => (oidc && same(issuer, oidc.issuer) ? oidc.displayName : URL.canParse(issuer) ? new URL(issuer).host : issuer));
  return [...(u.hasPassword ? ["password"] : []), ...providers];
}

/** Whether the identity provider's groups set this account's role at each of its sign-ins (OIDC_ADMIN_GROUPS, and a linked identity). */
/** Whether an identity's issuer is the configured provider's (a trailing slash aside). */
export function isConfiguredIssuer(issuer: string): boolean {
  const configured = env().OIDC?.issuer;
  return configured != null && issuer.replace(/\/+$/, "") === configured.replace(/\/+$/, "");
}

/** Whether the configured provider's groups decide this account's role (it has an identity there, and OIDC_ADMIN_GROUPS is set). */
const isRoleFromProvider = (issuers: string[]) => env().OIDC?.adminGroups != null && issuers.some(isConfiguredIssuer);

// GET /api/admin/users — usage against quota, newest accounts first.
export async function listUsers(actor: Actor, query: { q?: string; limit: number; cursor?: string }) {
  assertAdmin(actor);
  const decoded = query.cursor ? decodeCursor(query.cursor) : null;
  const cursor = decoded ? { value: cursorTime(decoded.value).toISOString(), id: decoded.id } : null;
  const pattern = query.q ? containsPattern(query.q) : null;
  const rows = await db().$queryRaw<UserUsageRow[]>`
    SELECT u.id, u.email, u.name, u.role, u."createdAt", u."disabledAt", u."lastActiveAt", u."quotaBytes", u."quotaFiles",
      u."passwordHash" IS NOT NULL AS "hasPassword",
      ARRAY(SELECT i.issuer FROM "Identity" i WHERE i."userId" = u.id ORDER BY i."createdAt") AS issuers,
      COUNT(f.id) FILTER (WHERE f.status IN ('READY', 'QUARANTINED')) AS files,
      SUM(f.size) FILTER (WHERE f.status IN ('READY', 'QUARANTINED')) AS bytes,
      COUNT(f.id) FILTER (WHERE f.status = 'PENDING' AND f."expiresAt" > (now() AT TIME ZONE 'UTC')) AS "pendingFiles",
      SUM(f.size) FILTER (WHERE f.status = 'PENDING' AND f."expiresAt" > (now() AT TIME ZONE 'UTC')) AS "pendingBytes"
    FROM "User" u LEFT JOIN "Upload" f ON f."ownerId" = u.id
    WHERE (${pattern}::text IS NULL OR u.email ILIKE ${pattern} OR u.name ILIKE ${pattern})
      AND (${cursor?.value ?? null}::timestamp IS NULL OR (u."createdAt", u.id) < (${cursor?.value ?? null}::timestamp, ${cursor?.id ?? null}::uuid))
    GROUP BY u.id
    ORDER BY u."createdAt" DESC, u.id DESC
    LIMIT ${query.limit + 1}`;
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    users: page.map((u) => {
      const quota = effectiveQuota(u);
      return {
        id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
        createdAt: u.createdAt.toISOString(),
        disabled: u.disabledAt !== null,
        lastActiveAt: u.lastActiveAt?.toISOString() ?? null,
        files: Number(u.files),
        bytes: Number(u.bytes ?? 0),
        pendingFiles: Number(u.pendingFiles),
        pendingBytes: Number(u.pendingBytes ?? 0),
        quotaBytes: quota.bytes,
        quotaFiles: quota.files,
        hasCustomQuota: u.quotaBytes !== null || u.quotaFiles !== null,
        signInMethods: signInMethodsOf(u),
        isRoleFromProvider: isRoleFromProvider(u.issuers),
      };
    }),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ value: last.createdAt.toISOString(), id: last.id }) : null,
  };
}

// PATCH /api/admin/users/:id — role, quota, disable/enable; each change audited.
export async function updateUser(args: { actor: Actor; userId: string; input: UpdateUserInput; meta: RequestMeta }) {
  const { actor, userId, input, meta } = args;
  assertAdmin(actor);
  const target = await db().user.findUnique({ where: { id: userId }, include: { identities: { select: { issuer: true } } } });
  if (!target) throw new AppError("not_found", "No such user.");
  if (input.role === "ADMIN" && target.role !== "ADMIN" && isRoleFromProvider(target.identities.map((i) => i.issuer))) {
    // A promotion would be undone at their next sign-in: the groups are where ADMIN is given. A
    // demotion is always allowed (an admin must be able to take the role away now; if they are
    // still in an admin group, their next sign-in with the provider gives it back).
    throw new AppError(
      "invalid_state",
      `${env().OIDC!.displayName} sets this account's role from its groups at every sign-in. To make them an administrator, add them to an admin group there.`,
    );
  }
  if (target.id === actor.id && (input.disabled === true || input.role === "USER")) {
    throw new AppError("invalid_state", "You cannot disable yourself or remove your own admin role. Ask another admin.");
  }
  const now = new Date();
  await db().$transaction(async (tx) => {
    const audit = { actorUserId: actor.id, detail: {} as Prisma.InputJsonObject };
    if (input.role !== undefined && input.role !== target.role) {
      await tx.user.update({ where: { id: userId }, data: { role: input.role } });
      await recordAudit(tx, { ...audit, action: "user.role_changed", detail: { userId, from: target.role, to: input.role } }, meta);
    }
    if (input.quotaBytes !== undefined || input.quotaFiles !== undefined) {
      const data = {
        ...(input.quotaBytes !== undefined ? { quotaBytes: input.quotaBytes === null ? null : BigInt(input.quotaBytes) } : {}),
        ...(input.quotaFiles !== undefined ? { quotaFiles: input.quotaFiles } : {}),
      };
      await tx.user.update({ where: { id: userId }, data });
      await recordAudit(
        tx,
        { ...audit, action: "user.quota_changed", detail: { userId, quotaBytes: input.quotaBytes ?? null, quotaFiles: input.quotaFiles ?? null } },
        meta,
      );
    }
    if (input.disabled !== undefined && input.disabled !== (target.disabledAt !== null)) {
      await tx.user.update({ where: { id: userId }, data: { disabledAt: input.disabled ? now : null } });
      await recordAudit(tx, { ...audit, action: input.disabled ? "user.disabled" : "user.enabled", detail: { userId } }, meta);
    }
  });
  if (input.disabled === true && target.disabledAt === null) {
    // Their sessions, tokens and links stop at once (every check reads disabledAt); what they
    // were still uploading is aborted, in storage too.
    const pending = await db().upload.findMany({ where: { ownerId: userId, status: "PENDING" } });
    for (const upload of pending) await abortPendingUpload(upload, actor.id, meta);
  }
  const updated = await db().user.findUniqueOrThrow({ where: { id: userId } });
  return {
    id: updated.id,
    email: updated.email,
    role: updated.role,
    disabled: updated.disabledAt !== null,
    usage: await usageOf(db(), userId),
    quota: effectiveQuota(updated),
  };
}

/**
 * `npm run admin -- grant|revoke <email>`: the operator's own hand, on the server, with the
 * database credentials (so it takes a client of its own rather than the app's configuration).
 */
export async function setRoleByEmail(client: PrismaClient, args: { email: string; role: "USER" | "ADMIN" }): Promise<{ changed: boolean }> {
  const email = args.email.trim().toLowerCase();
  return client.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email } });
    if (!user) throw new AppError("not_found", `No account with the email ${email}. It must sign up first.`);
    if (user.role === args.role) return { changed: false };
    await tx.user.update({ where: { id: user.id }, data: { role: args.role } });
    // With an administrator, a fresh install's setup tokens have no use left.
    if (args.role === "ADMIN") await tx.setupToken.deleteMany({});
    await recordAudit(
      tx,
      { action: "user.role_changed", actorUserId: null, detail: { userId: user.id, from: user.role, to: args.role, via: "cli" } },
      { ip: null, userAgent: "npm run admin" },
    );
    return { changed: true };
  });
}
