import "server-only";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { ApiToken } from "@/generated/prisma/client";
import type { ApiTokenDto } from "@/lib/dto";
import { AppError } from "@/lib/errors";
import type { CreateApiTokenInput } from "@/lib/validation/tokens";
import { recordAudit, type RequestMeta } from "./audit";
import { db } from "./db";
import { getActiveUser, type SessionUser } from "./users";

// Personal API tokens: "valet_" + 256 random bits. Shown once; only a SHA-256 is stored.
const TOKEN_PREFIX = "valet_";
const LAST_USED_RESOLUTION_MS = 60_000;

const hashToken = (secret: string) => createHash("sha256").update(secret).digest("hex");


const toDto = (t: ApiToken): ApiTokenDto => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt?.toISOString() ?? null,
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

// POST /api/tokens
export async function createApiToken(args: { user: SessionUser; input: CreateApiTokenInput; meta: RequestMeta }) {
  const secret = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const expiresAt = args.input.expiresInDays ? new Date(Date.now() + args.input.expiresInDays * 86_400_000) : null;
  const token = await db().$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: { id: randomUUID(), userId: args.user.id, name: args.input.name, tokenHash: hashToken(secret), prefix: secret.slice(0, 12), expiresAt },
    });
    await recordAudit(tx, { action: "token.created", actorUserId: args.user.id, detail: { tokenId: created.id, name: created.name, expiresAt: expiresAt?.toISOString() ?? null } }, args.meta);
    return created;
  });
  return { ...toDto(token), secret };
}

// GET /api/tokens
export async function listApiTokens(user: SessionUser): Promise<ApiTokenDto[]> {
  const tokens = await db().apiToken.findMany({ where: { userId: user.id }, orderBy: { createdAt: "desc" } });
  return tokens.map(toDto);
}

// DELETE /api/tokens/:id — stops working on its next use
export async function revokeApiToken(args: { user: SessionUser; tokenId: string; meta: RequestMeta }): Promise<void> {
  await db().$transaction(async (tx) => {
    const token = await tx.apiToken.findFirst({ where: { id: args.tokenId, userId: args.user.id } });
    if (!token) throw new AppError("not_found", "No such API token.");
    const moved = await tx.apiToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: new Date() } });
    if (moved.count === 1) await recordAudit(tx, { action: "token.revoked", actorUserId: args.user.id, detail: { tokenId: token.id, name: token.name } }, args.meta);
  });
}

/** The user behind `Authorization: Bearer <secret>`, or a 401 for any token that is not good now. */
export async function userForBearerToken(secret: string): Promise<SessionUser> {
  const invalid = new AppError("unauthenticated", "This API token is not valid: it may be wrong, expired or revoked.");
  if (!secret.startsWith(TOKEN_PREFIX)) throw invalid;
  const token = await db().apiToken.findUnique({ where: { tokenHash: hashToken(secret) } });
  const now = Date.now();
  if (!token || token.revokedAt || (token.expiresAt && token.expiresAt.getTime() <= now)) throw invalid;
  const user = await getActiveUser(token.userId, token.id);
  if (!user) throw invalid;
  if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db().apiToken.update({ where: { id: token.id }, data: { lastUsedAt: new Date(now) } });
  }
  return user;
}
