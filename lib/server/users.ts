import "server-only";
import { hash, verify } from "@node-rs/argon2";
import { randomUUID } from "node:crypto";
import { Prisma, type User } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";
import type { z } from "zod";
import type { signUpSchema } from "@/lib/validation/users";
import { recordAudit, type RequestMeta } from "./audit";
import { db } from "./db";
import { env } from "./env";

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  /** Effective role: ADMIN in the database, or listed in ADMIN_EMAILS. */
  role: "USER" | "ADMIN";
  /** Set when the request authenticated with a personal API token. */
  tokenId?: string;
}

/** Activity is recorded at most this often per user, so reads don't all become writes. */
const LAST_ACTIVE_RESOLUTION_MS = 60_000;
// Serialises sign-ups just long enough to know whether this one is the very first account.
const FIRST_USER_LOCK_ID = 7_411_202_612;

// Compared against when the email is unknown, so a wrong email costs as long as a wrong password.
const DUMMY_HASH_PROMISE = hash("valet-timing-equaliser");

export function toSessionUser(user: Pick<User, "id" | "email" | "name" | "role">, tokenId?: string): SessionUser {
  const role = user.role === "ADMIN" || env().ADMIN_EMAILS.includes(user.email) ? "ADMIN" : "USER";
  return { id: user.id, email: user.email, name: user.name, role, ...(tokenId ? { tokenId } : {}) };
}

export async function createUser(input: z.infer<typeof signUpSchema>, meta: RequestMeta): Promise<SessionUser> {
  const passwordHash = await hash(input.password);
  try {
    return await db().$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${FIRST_USER_LOCK_ID})`;
      // The first account on an empty database administers it.
      const isFirst = (await tx.user.count()) === 0;
      const role = isFirst || env().ADMIN_EMAILS.includes(input.email) ? "ADMIN" : "USER";
      const user = await tx.user.create({ data: { id: randomUUID(), email: input.email, name: input.name || null, passwordHash, role } });
      await recordAudit(tx, { action: "user.created", actorUserId: user.id, detail: { role, isFirst } }, meta);
      return toSessionUser(user);
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("email_taken", "An account with this email already exists. Sign in instead.");
    }
    throw error;
  }
}

/** Returns the user for a correct email + password, otherwise null (never says which was wrong). */
export async function verifyCredentials(email: string, password: string): Promise<SessionUser | null> {
  const user = await db().user.findUnique({ where: { email } });
  if (!user) {
    await verify(await DUMMY_HASH_PROMISE, password);
    return null;
  }
  if (!(await verify(user.passwordHash, password)) || user.disabledAt !== null) return null;
  return toSessionUser(user);
}

/** The active (not disabled) user with this id, with their activity noted. */
export async function getActiveUser(id: string, tokenId?: string): Promise<SessionUser | null> {
  const user = await db().user.findUnique({ where: { id } });
  if (!user || user.disabledAt !== null) return null;
  const now = Date.now();
  if (!user.lastActiveAt || now - user.lastActiveAt.getTime() > LAST_ACTIVE_RESOLUTION_MS) {
    await db().user.update({ where: { id }, data: { lastActiveAt: new Date(now) } });
  }
  return toSessionUser(user, tokenId);
}
