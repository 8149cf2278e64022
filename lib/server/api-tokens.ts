import "server-only";

import { createHash, randomBytes, randomUUID } from "node:crypto";

import type { ApiToken } from "@/generated/prisma/client";
import type { ApiTokenDto } from "@/lib/dto";
import { AppError } from "@/lib/errors";
import { DEFAULT_TOKEN_SCOPES, isScope } from "@/lib/scopes";
import type { CreateApiTokenInput } from "@/lib/validation/tokens";

import { assertSession, foundOr404, unauthenticated, type Actor } from "./access";
import { recordAudit, type RequestMeta } from "./audit";
import { db } from "./db";
import type { Caller } from "./users";

// Personal API tokens: "valet_" + 256 random bits. Shown once; only a SHA-256 is stored. Each
// carries the scopes chosen when it was made; only a signed-in person (never a token) can make,
// list or revoke tokens, so a leaked token cannot buy itself a longer-lived or wider one.
const TOKEN_PREFIX = "valet_";
export const LAST_USED_RESOLUTION_MS = 60_000;

const hashToken = (secret: string) => createHash("sha256").update(secret).digest("hex");

const toDto = (t: ApiToken): ApiTokenDto => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt?.toISOString() ?? null,
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
  scopes: t.scopes.filter(isScope),
});

// POST /api/tokens
export async function createApiToken(args: { user: Actor; input: CreateApiTokenInput; meta: RequestMeta }) {
  assertSession(args.user, "create API tokens");
  const scopes = [...new Set(args.input.scopes ?? DEFAULT_TOKEN_SCOPES)];
  if (scopes.includes("admin") && args.user.role !== "ADMIN") throw new AppError("forbidden", "Only administrators can create tokens with the admin scope.");
  const secret = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const expiresAt = args.input.expiresInDays ? new Date(Date.now() + args.input.expiresInDays * 86_400_000) : null;
  const token = await db().$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: { id: randomUUID(), userId: args.user.id, name: args.input.name, tokenHash: hashToken(secret), prefix: secret.slice(0, 12), expiresAt, scopes },
    });
    await recordAudit(
      tx,
      {
        action: "token.created",
        actorUserId: args.user.id,
        detail: { tokenId: created.id, name: created.name, scopes, expiresAt: expiresAt?.toISOString() ?? null },
      },
      args.meta,
    );
    return created;
  });
  return { ...toDto(token), secret };
}

// GET /api/tokens
export async function listApiTokens(user: Actor): Promise<ApiTokenDto[]> {
  assertSession(user, "list API tokens");
  const tokens = await db().apiToken.findMany({ where: { userId: user.id }, orderBy: { createdAt: "desc" } });
  return tokens.map(toDto);
}

// DELETE /api/tokens/:id — stops working on its next use
export async function revokeApiToken(args: { user: Actor; tokenId: string; meta: RequestMeta }): Promise<void> {
  assertSession(args.user, "revoke API tokens");
  await db().$transaction(async (tx) => {
    const token = await foundOr404(args.tokenId, (id) => tx.apiToken.findFirst({ where: { id, userId: args.user.id } }), "No such API token.");
    const moved = await tx.apiToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: new Date() } });
    if (moved.count === 1)
      await recordAudit(tx, { action: "token.revoked", actorUserId: args.user.id, detail: { tokenId: token.id, name: token.name } }, args.meta);
  });
}

/** The caller a bearer secret names (its hash), or 401 when it cannot be a Valet token at all. */
export function callerForToken(secret: string): Caller {
  if (!secret.startsWith(TOKEN_PREFIX)) throw unauthenticated("token");
  return { tokenHash: hashToken(secret) };
}
