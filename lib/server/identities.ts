import "server-only";

import { randomUUID } from "node:crypto";
import { decode, encode } from "next-auth/jwt";

import { Prisma, type PrismaClient, type User } from "@/generated/prisma/client";
import { AppError } from "@/lib/errors";
import {
  decideIdentitySignIn,
  groupsFrom,
  identityProblemMessage,
  isEmailDomainAllowed,
  isVerifiedClaim,
  roleFromGroups,
  type IdentityRefusal,
} from "@/lib/identity-policy";
import { INVALID_CREDENTIALS_MESSAGE } from "@/lib/validation/users";

import type { Actor } from "./access";
import { recordAudit, type RequestMeta } from "./audit";
import { db, type Tx } from "./db";
import { env, type OidcConfig } from "./env";
import { verifyPassword } from "./passwords";
import { enforceRateLimit, resetRateLimit } from "./rate-limit";
import { pendingLinkCookieName } from "./session-cookie";
import { toActor } from "./users";

// Sign-in with the organisation's OpenID Connect provider, after Auth.js has checked the round
// trip (state, PKCE, nonce, the ID token's issuer, audience and expiry). An identity is the
// provider's issuer + subject, never an email; the rules for what it leads to are in
// lib/identity-policy.ts. When the provider decides roles (OIDC_ADMIN_GROUPS), the role is set from
// the groups at every sign-in with it, so leaving the group takes the role away at the next one.

/** What Valet takes from a verified ID token. */
export interface IdentityClaims {
  issuer: string;
  subject: string;
  /** Lower case; null when the provider sent none (or not an address). */
  email: string | null;
  isEmailVerified: boolean;
  name: string | null;
  groups: string[];
}

/** An identity whose email matched a password account: waiting, in a sealed cookie, for that password. */
export interface PendingLink {
  userId: string;
  email: string;
  issuer: string;
  subject: string;
  groups: string[];
}

export type IdentitySignIn = { kind: "signed_in"; user: Actor } | { kind: "refused"; reason: IdentityRefusal } | { kind: "link"; pending: PendingLink };

/** How long a pending link waits for the password: long enough to remember it, short enough not to linger. */
export const PENDING_LINK_TTL_SECONDS = 10 * 60;
const PENDING_LINK_SALT = "valet.pending-link";

export function oidcConfig(): OidcConfig {
  const config = env().OIDC;
  if (!config) throw new AppError("not_found", "Sign-in with an identity provider is not set up here.");
  return config;
}

export function identityFromIdToken(claims: Record<string, unknown>, config: OidcConfig): IdentityClaims {
  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  const name = typeof claims.name === "string" ? claims.name.trim().slice(0, 100) : "";
  return {
    issuer: String(claims.iss),
    subject: String(claims.sub),
    email: /^[^\s@]+@[^\s@]+$/.test(email) && email.length <= 254 ? email : null,
    isEmailVerified: config.trustEmail || isVerifiedClaim(claims.email_verified),
    name: name || null,
    groups: groupsFrom(claims[config.groupsClaim]),
  };
}

/** The account an identity signs into, a link to confirm with a password, or a refusal (audited). */
export async function signInWithIdentity(identity: IdentityClaims, meta: RequestMeta): Promise<IdentitySignIn> {
  try {
    return await attemptSignIn(identity, meta);
  } catch (error) {
    // Two first sign-ins of the same person at once: one made the account; the other now finds it.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return attemptSignIn(identity, meta);
    throw error;
  }
}

async function attemptSignIn(identity: IdentityClaims, meta: RequestMeta): Promise<IdentitySignIn> {
  const config = oidcConfig();
  const known = await db().identity.findUnique({ where: { issuer_subject: { issuer: identity.issuer, subject: identity.subject } }, include: { user: true } });
  const emailAccount = known || identity.email === null ? null : await db().user.findUnique({ where: { email: identity.email } });
  const decision = decideIdentitySignIn({
    identityAccount: known ? { isDisabled: known.user.disabledAt !== null } : null,
    emailAccount: emailAccount ? { isDisabled: emailAccount.disabledAt !== null, hasPassword: emailAccount.passwordHash !== null } : null,
    email: identity.email,
    isEmailVerified: identity.isEmailVerified,
    isDomainAllowed: isEmailDomainAllowed(identity.email, config.allowedDomains),
    isSignUpOpen: env().SIGN_UP,
  });
  const via = { method: "oidc", issuer: identity.issuer };
  switch (decision.kind) {
    case "refuse": {
      // The actor is the account only when it is this identity's own; an account whose email it
      // matched is named in the detail (the attempt was not that account's doing).
      const detail = { ...via, subject: identity.subject, reason: decision.reason, ...(emailAccount ? { userId: emailAccount.id } : {}) };
      await recordAudit(db(), { action: "user.sign_in_refused", actorUserId: known?.userId ?? null, detail }, meta);
      return { kind: "refused", reason: decision.reason };
    }
    case "link":
      return {
        kind: "link",
        pending: { userId: emailAccount!.id, email: emailAccount!.email, issuer: identity.issuer, subject: identity.subject, groups: identity.groups },
      };
    case "sign_in": {
      const user = await db().$transaction(async (tx) => {
        await tx.identity.update({ where: { id: known!.id }, data: { lastSignInAt: new Date() } });
        const updated = await applyProviderRole(tx, known!.user, identity, meta);
        await recordAudit(tx, { action: "user.signed_in", actorUserId: updated.id, detail: via }, meta);
        return updated;
      });
      return { kind: "signed_in", user: toActor(user) };
    }
    case "create": {
      const user = await db().$transaction(async (tx) => {
        const created = await tx.user.create({ data: { id: randomUUID(), email: identity.email!, name: identity.name, passwordHash: null } });
        await tx.identity.create({
          data: {
            id: randomUUID(),
            userId: created.id,
            issuer: identity.issuer,
            subject: identity.subject,
            emailAtLink: identity.email,
            lastSignInAt: new Date(),
          },
        });
        await recordAudit(tx, { action: "user.created", actorUserId: created.id, detail: { role: created.role, ...via } }, meta);
        const updated = await applyProviderRole(tx, created, identity, meta);
        await recordAudit(tx, { action: "user.signed_in", actorUserId: created.id, detail: via }, meta);
        return updated;
      });
      return { kind: "signed_in", user: toActor(user) };
    }
  }
}

/**
 * The role the provider's groups give, applied and audited (when OIDC_ADMIN_GROUPS is set; else
 * roles stay the operator's and administrators' to give). It governs every account that signs in
 * with the provider, a linked password account too: an administrator not in an admin group becomes
 * a user at that sign-in. Accounts that only ever sign in with a password keep their role.
 */
async function applyProviderRole(tx: Tx, user: User, identity: { issuer: string; groups: string[] }, meta: RequestMeta): Promise<User> {
  const role = roleFromGroups(identity.groups, oidcConfig().adminGroups);
  if (role === null || role === user.role) return user;
  const updated = await tx.user.update({ where: { id: user.id }, data: { role } });
  // With an administrator, a fresh install's setup tokens have no use left (as for `npm run admin -- grant`).
  if (role === "ADMIN") await tx.setupToken.deleteMany({});
  await recordAudit(
    tx,
    { action: "user.role_changed", actorUserId: null, detail: { userId: user.id, from: user.role, to: role, via: "oidc-groups", issuer: identity.issuer } },
    meta,
  );
  return updated;
}

// POST /api/sign-in/link — the password of the account a verified email matched, proved once.
export async function linkIdentityWithPassword(args: { pending: PendingLink; password: string; meta: RequestMeta }): Promise<Actor> {
  const { pending, password, meta } = args;
  // Counted like a sign-in, against the same account: a link form is no way around the lockout.
  await enforceRateLimit("sign_in", { account: pending.email, ip: meta.ip });
  const user = await db().user.findUnique({ where: { id: pending.userId } });
  if (!user || user.email !== pending.email || user.passwordHash === null) {
    throw new AppError("invalid_state", identityProblemMessage("link_expired", oidcConfig().displayName)!);
  }
  if (!(await verifyPassword(user.passwordHash, password))) {
    await recordAudit(
      db(),
      {
        action: "user.sign_in_refused",
        actorUserId: null,
        detail: { method: "oidc", issuer: pending.issuer, subject: pending.subject, reason: "wrong_link_password", userId: user.id },
      },
      meta,
    );
    throw new AppError("invalid_credentials", INVALID_CREDENTIALS_MESSAGE);
  }
  if (user.disabledAt !== null) throw new AppError("forbidden", identityProblemMessage("account_disabled", oidcConfig().displayName)!);
  await resetRateLimit("sign_in", { account: pending.email });
  const via = { method: "oidc", issuer: pending.issuer };
  try {
    const linked = await db().$transaction(async (tx) => {
      await tx.identity.create({
        data: { id: randomUUID(), userId: user.id, issuer: pending.issuer, subject: pending.subject, emailAtLink: pending.email, lastSignInAt: new Date() },
      });
      await recordAudit(tx, { action: "user.identity_linked", actorUserId: user.id, detail: { ...via, subject: pending.subject, proof: "password" } }, meta);
      const updated = await applyProviderRole(tx, user, pending, meta);
      await recordAudit(tx, { action: "user.signed_in", actorUserId: user.id, detail: { ...via, linked: true } }, meta);
      return updated;
    });
    return toActor(linked);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new AppError("invalid_state", identityProblemMessage("identity_taken", oidcConfig().displayName)!);
    }
    throw error;
  }
}

/** What the operator should know about an account before linking an identity to it. */
export interface OperatorLinkFacts {
  email: string;
  createdAt: Date;
  hasPassword: boolean;
  /** The address the account was created from, when the audit log has it. */
  signUpIp: string | null;
}

/**
 * `npm run admin -- link <email> <issuer> <subject> [--drop-password]`: the operator links an
 * identity to an account by hand (for providers that never assert a verified email, such as Entra
 * ID). The issuer and subject are in the audit row of the refused sign-in (`user.sign_in_refused`).
 *
 * Emails are not verified at sign-up, so an account with a password may be someone else's who
 * registered the address first. Linking it as it is would let both that password and the identity
 * into one account; so an account with a password is refused unless `dropPassword` is given, which
 * clears the password (only the provider signs in afterwards). The facts are returned either way,
 * for the operator to decide with.
 */
export async function linkIdentityByOperator(
  client: PrismaClient,
  args: { email: string; issuer: string; subject: string; dropPassword?: boolean },
): Promise<OperatorLinkFacts> {
  const email = args.email.trim().toLowerCase();
  return client.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { email } });
    if (!user) throw new AppError("not_found", `No account with the email ${email}.`);
    const created = await tx.auditEvent.findFirst({ where: { action: "user.created", actorUserId: user.id }, orderBy: { id: "asc" } });
    const facts: OperatorLinkFacts = { email, createdAt: user.createdAt, hasPassword: user.passwordHash !== null, signUpIp: created?.ip ?? null };
    const taken = await tx.identity.findUnique({ where: { issuer_subject: { issuer: args.issuer, subject: args.subject } } });
    if (taken) throw new AppError("invalid_state", `That identity is already linked${taken.userId === user.id ? " to this account" : " to another account"}.`);
    if (facts.hasPassword && !args.dropPassword) {
      throw new AppError(
        "invalid_state",
        `${email} has a password (account created ${facts.createdAt.toISOString()}${facts.signUpIp ? ` from ${facts.signUpIp}` : ""}). ` +
          "Email addresses are not verified at sign-up, so whoever set that password may not be the person signing in with the provider. " +
          "Nothing was linked. Check with the person who uses the account; if it is theirs and they agree to sign in only with the provider from now on, " +
          "run the command again with --drop-password (the password is removed). If it is not theirs, disable or delete that account instead.",
      );
    }
    if (facts.hasPassword) await tx.user.update({ where: { id: user.id }, data: { passwordHash: null } });
    await tx.identity.create({ data: { id: randomUUID(), userId: user.id, issuer: args.issuer, subject: args.subject, emailAtLink: null } });
    await recordAudit(
      tx,
      {
        action: "user.identity_linked",
        actorUserId: null,
        detail: {
          userId: user.id,
          method: "oidc",
          issuer: args.issuer,
          subject: args.subject,
          proof: "operator",
          ...(facts.hasPassword ? { passwordDropped: true } : {}),
        },
      },
      { ip: null, userAgent: "npm run admin" },
    );
    return facts;
  });
}

/** For the link page: the pending link this browser holds, if any. */
export async function pendingLinkPreview(cookieStore: { get(name: string): { value: string } | undefined }): Promise<{ email: string } | null> {
  const name = pendingLinkCookieName();
  const pending = await openPendingLink(cookieStore.get(name)?.value, name);
  return pending ? { email: pending.email } : null;
}

/** The pending link, encrypted with AUTH_SECRET (as Auth.js seals its own cookies) for a cookie. */
export function sealPendingLink(pending: PendingLink, salt: string): Promise<string> {
  return encode({ token: { ...pending }, secret: env().AUTH_SECRET, salt: `${PENDING_LINK_SALT}:${salt}`, maxAge: PENDING_LINK_TTL_SECONDS });
}

/** The pending link a cookie holds, or null when it is missing, forged or expired. */
export async function openPendingLink(sealed: string | undefined, salt: string): Promise<PendingLink | null> {
  if (!sealed) return null;
  const payload = await decode({ token: sealed, secret: env().AUTH_SECRET, salt: `${PENDING_LINK_SALT}:${salt}` }).catch(() => null);
  if (!payload || typeof payload.exp !== "number" || payload.exp * 1000 < Date.now()) return null;
  const { userId, email, issuer, subject, groups } = payload as Partial<PendingLink>;
  if (typeof userId !== "string" || typeof email !== "string" || typeof issuer !== "string" || typeof subject !== "string" || !Array.isArray(groups))
    return null;
  return { userId, email, issuer, subject, groups: groupsFrom(groups) };
}
