import "server-only";
import { hash, verify } from "@node-rs/argon2";
import { randomUUID } from "node:crypto";
import { Prisma } from "@/generated/prisma/client";
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
  role: "USER" | "ADMIN";
}

const publicUser = { id: true, email: true, name: true, role: true } as const;

// Compared against when the email is unknown, so a wrong email costs as long as a wrong password.
const DUMMY_HASH_PROMISE = hash("valet-timing-equaliser");

export async function createUser(input: z.infer<typeof signUpSchema>, meta: RequestMeta): Promise<SessionUser> {
  const passwordHash = await hash(input.password);
  const role = env().ADMIN_EMAILS.includes(input.email) ? "ADMIN" : "USER";
  try {
    return await db().$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { id: randomUUID(), email: input.email, name: input.name || null, passwordHash, role },
        select: publicUser,
      });
      await recordAudit(tx, { action: "user.created", actorUserId: user.id, detail: { role } }, meta);
      return user;
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
  const user = await db().user.findUnique({ where: { email }, select: { ...publicUser, passwordHash: true } });
  if (!user) {
    await verify(await DUMMY_HASH_PROMISE, password);
    return null;
  }
  if (!(await verify(user.passwordHash, password))) return null;
  const { passwordHash: _omit, ...rest } = user;
  return rest;
}

export async function getUserById(id: string): Promise<SessionUser | null> {
  return db().user.findUnique({ where: { id }, select: publicUser });
}
