import "server-only";

import { createHash, randomBytes } from "node:crypto";

import { AppError } from "@/lib/errors";

import { assertSession, type Actor } from "./access";
import { recordAudit, type RequestMeta } from "./audit";
import { db } from "./db";

// A fresh install has no administrator, and nobody may become one by claiming an email or by
// signing up first. While there is none, each instance prints a one-time setup token in its log at
// start; the first signed-in person to present one (on /setup) becomes the administrator, and
// every setup token dies with that. Operators can always use `npm run admin -- grant <email>`.

const SETUP_TOKEN_TTL_MS = 24 * 3600 * 1000;
// Serialises claims: two people presenting tokens at once cannot both become the first admin.
const SETUP_LOCK_ID = 7_411_202_614;

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export async function hasAdmin(): Promise<boolean> {
  return (await db().user.count({ where: { role: "ADMIN" } })) > 0;
}

/** At start: when there is no administrator, a new setup token (printed, never stored in clear). */
export async function issueSetupToken(): Promise<string | null> {
  if (await hasAdmin()) {
    await db().setupToken.deleteMany({});
    return null;
  }
  const token = randomBytes(24).toString("base64url");
  await db().setupToken.create({ data: { tokenHash: hashToken(token), expiresAt: new Date(Date.now() + SETUP_TOKEN_TTL_MS) } });
  await db().setupToken.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  return token;
}

// POST /api/setup — the signed-in person presenting a setup token becomes the first administrator.
export async function claimFirstAdmin(args: { actor: Actor; token: string; meta: RequestMeta }): Promise<void> {
  assertSession(args.actor, "claim the administrator role");
  await db().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SETUP_LOCK_ID})`;
    if ((await tx.user.count({ where: { role: "ADMIN" } })) > 0) {
      throw new AppError(
        "invalid_state",
        "Valet already has an administrator. Ask them to make you one, or ask the operator to run `npm run admin -- grant <email>`.",
      );
    }
    const found = await tx.setupToken.findUnique({ where: { tokenHash: hashToken(args.token) } });
    if (!found || found.expiresAt <= new Date()) {
      throw new AppError("invalid_setup_token", "That setup token is not valid (or has expired). Restart Valet to print a new one in its log.");
    }
    await tx.user.update({ where: { id: args.actor.id }, data: { role: "ADMIN" } });
    await tx.setupToken.deleteMany({});
    await recordAudit(
      tx,
      { action: "user.role_changed", actorUserId: args.actor.id, detail: { userId: args.actor.id, from: "USER", to: "ADMIN", via: "setup-token" } },
      args.meta,
    );
  });
}
