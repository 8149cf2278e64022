import "server-only";

import { AsyncLocalStorage } from "node:async_hooks";

import { type AppError } from "@/lib/errors";
import { credentialsSchema } from "@/lib/validation/users";

import type { Actor } from "./access";
import { recordAudit, type RequestMeta } from "./audit";
import { db } from "./db";
import { env } from "./env";
import { hashPassword, verifyPassword } from "./passwords";
import { enforceRateLimit, resetRateLimit } from "./rate-limit";
import { assertPasswordSignInEnabled, isConfiguredIssuer, toActor } from "./users";

// Password sign-in, behind every way in (the sign-in form and Auth.js's credentials endpoint).
// Each attempt is counted, per account and per client address, before the password is checked:
// past the limit the answer is 429 with Retry-After, even for the right password, and no hash is
// computed. A successful sign-in clears the account's count.

// Checked when the email is unknown, so a wrong email costs as long as a wrong password.
const DUMMY_HASH_PROMISE = hashPassword("valet-timing-equaliser");

/** The user for a correct email and password, or null (never says which was wrong). Throws 429/503. */
export async function signInWithPassword(raw: unknown, meta: RequestMeta): Promise<Actor | null> {
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success) return null;
  const { email, password } = parsed.data;
  assertPasswordSignInEnabled();
  await enforceRateLimit("sign_in", { account: email, ip: meta.ip });
  const user = await db().user.findUnique({ where: { email } });
  // An account made at a first sign-in with the identity provider has no password: it is refused
  // like an unknown email, at the same cost (never an error, never a hint that it exists).
  if (!user || user.passwordHash === null) {
    await verifyPassword(await DUMMY_HASH_PROMISE, password);
    return null;
  }
  if (!(await verifyPassword(user.passwordHash, password)) || user.disabledAt !== null) return null;
  await resetRateLimit("sign_in", { account: email });
  const signedIn = await db().$transaction(async (tx) => {
    let current = user;
    // When the provider's groups decide roles, an account linked to it is an administrator only as
    // long as a sign-in with the provider says so: a password does not carry ADMIN (else leaving
    // the admin group would never take it away from someone who signs in with the password). It
    // becomes a user here; the next sign-in with the provider gives ADMIN back if still in the group.
    const config = env().OIDC;
    if (current.role === "ADMIN" && config?.adminGroups != null) {
      const identities = await tx.identity.findMany({ where: { userId: current.id }, select: { issuer: true } });
      if (identities.some((i) => isConfiguredIssuer(i.issuer))) {
        current = await tx.user.update({ where: { id: current.id }, data: { role: "USER" } });
        await recordAudit(
          tx,
          {
            action: "user.role_changed",
            actorUserId: null,
            detail: { userId: current.id, from: "ADMIN", to: "USER", via: "password-sign-in", reason: "role_from_provider_groups" },
          },
          meta,
        );
      }
    }
    await recordAudit(tx, { action: "user.signed_in", actorUserId: current.id, detail: { method: "password" } }, meta);
    return current;
  });
  return toActor(signedIn);
}

// Auth.js turns anything its authorize() throws into a generic sign-in failure. A refusal that is
// not about the password (429 locked out, 503 busy) is noted here instead, for the request that
// asked, and the way in answers with it.
const refusals = new AsyncLocalStorage<{ refusal?: AppError }>();

export function noteSignInRefusal(error: AppError): void {
  const store = refusals.getStore();
  if (store) store.refusal = error;
}

/** Runs a sign-in through Auth.js; throws the refusal authorize() noted, if there was one. */
export async function withSignInRefusals<T>(signingIn: () => Promise<T>): Promise<T> {
  const store: { refusal?: AppError } = {};
  const result = await refusals.run(store, signingIn).catch((error: unknown) => {
    if (store.refusal) throw store.refusal;
    throw error;
  });
  if (store.refusal) throw store.refusal;
  return result;
}
