// Who may come in through the organisation's identity provider, and as what: pure rules, so a unit
// test can read every case. lib/server/identities.ts applies them to the database at each sign-in.

export type Role = "USER" | "ADMIN";

/** Why a sign-in with the identity provider was refused; each has a message on the sign-in page. */
export type IdentityRefusal =
  | "account_disabled"
  | "domain_not_allowed"
  | "sign_up_closed"
  | "no_email"
  | "email_unverified"
  | "sign_up_unverified_email"
  | "link_by_admin"
  | "link_expired"
  | "identity_taken";

/**
 * What a sign-in with the provider leads to:
 *  - the identity (issuer + subject) is known: its account, unless disabled;
 *  - unknown, and no account has the email: a new account (unless sign-up is closed), only if the
 *    provider asserts the address is verified (else the account would take an address that may
 *    not be theirs, and its real owner would be refused later);
 *  - unknown, and an account has the email: a link, only if the provider asserts the address is
 *    verified and that account has a password to prove once; never a silent match by email, and
 *    never a second account with the same address.
 */
export function decideIdentitySignIn(args: {
  identityAccount: { isDisabled: boolean } | null;
  emailAccount: { isDisabled: boolean; hasPassword: boolean } | null;
  email: string | null;
  isEmailVerified: boolean;
  /** isEmailDomainAllowed of the email (false without one, when domains are restricted). */
  isDomainAllowed: boolean;
  isSignUpOpen: boolean;
}): { kind: "sign_in" } | { kind: "create" } | { kind: "link" } | { kind: "refuse"; reason: IdentityRefusal } {
  const refuse = (reason: IdentityRefusal) => ({ kind: "refuse" as const, reason });
  // Checked at every sign-in, known identities too: the allowed domains say who may come in at all.
  if (!args.isDomainAllowed) return refuse(args.email === null ? "no_email" : "domain_not_allowed");
  if (args.identityAccount) return args.identityAccount.isDisabled ? refuse("account_disabled") : { kind: "sign_in" };
  if (args.email === null) return refuse("no_email");
  if (args.emailAccount) {
    if (args.emailAccount.isDisabled) return refuse("account_disabled");
    if (!args.isEmailVerified) return refuse("email_unverified");
    return args.emailAccount.hasPassword ? { kind: "link" } : refuse("link_by_admin");
  }
  if (!args.isSignUpOpen) return refuse("sign_up_closed");
  return args.isEmailVerified ? { kind: "create" } : refuse("sign_up_unverified_email");
}

/** The groups in a claim that is a list of strings or one string (some providers send one group bare). */
export function groupsFrom(claim: unknown): string[] {
  if (typeof claim === "string") return [claim];
  if (Array.isArray(claim)) return claim.filter((g): g is string => typeof g === "string");
  return [];
}

/** The role the provider's groups give, or null when the provider does not decide roles (no admin groups set). */
export function roleFromGroups(groups: string[], adminGroups: string[] | null): Role | null {
  if (adminGroups === null) return null;
  return groups.some((g) => adminGroups.includes(g)) ? "ADMIN" : "USER";
}

/** Whether an address is in one of the allowed domains (null: any, even no address); subdomains are other domains. */
export function isEmailDomainAllowed(email: string | null, allowedDomains: string[] | null): boolean {
  if (allowedDomains === null) return true;
  if (email === null) return false;
  const at = email.lastIndexOf("@");
  return at > 0 && allowedDomains.includes(email.slice(at + 1).toLowerCase());
}

/** Only a boolean true counts: a missing claim (Entra ID sends none) or the string "true" does not. */
export const isVerifiedClaim = (value: unknown): boolean => value === true;

/** The sign-in page's words for each refusal (and for a provider round trip that failed). */
export function identityProblemMessage(code: string, providerName: string): string | null {
  switch (code) {
    case "account_disabled":
      return "This Valet account is disabled. Ask an administrator if you think that is a mistake.";
    case "domain_not_allowed":
      return `${providerName} signed you in with an address whose domain this Valet does not admit. Ask an administrator.`;
    case "sign_up_closed":
      return `You signed in with ${providerName}, but there is no Valet account for you yet and this Valet does not create new ones. Ask an administrator.`;
    case "no_email":
      return `${providerName} did not tell Valet your email address. Ask your administrator to release the email claim to Valet.`;
    case "email_unverified":
      return `A Valet account with your email address already exists, but ${providerName} has not confirmed that the address is yours, so Valet will not link them. Ask an administrator to link them.`;
    case "sign_up_unverified_email":
      return `${providerName} has not confirmed that your email address is yours, so Valet will not create an account with it. Confirm the address with ${providerName}, or ask an administrator.`;
    case "link_by_admin":
      return `A Valet account with your email address already exists and has no password to confirm it with. Ask an administrator to link it to your ${providerName} sign-in.`;
    case "link_expired":
      return `Linking took too long or was already done. Sign in with ${providerName} again.`;
    case "identity_taken":
      return `That ${providerName} sign-in is already linked to another Valet account.`;
    case "password_sign_in_disabled":
      return `Passwords are turned off here. Sign in with ${providerName}.`;
    // Auth.js's own error types: a callback with a bad state, a code used twice, a token that does not check out, a cancelled login.
    case "OAuthCallbackError":
    case "AccessDenied":
      return `${providerName} did not sign you in. Try again.`;
    case "Configuration":
    case "CallbackRouteError":
    case "InvalidCheck":
    case "OAuthSignInError":
    case "OAuthAccountNotLinked":
      return `Signing in with ${providerName} did not work: the answer could not be verified (it may be stale, or used twice). Try again; if it keeps happening, tell your administrator.`;
    default:
      return null;
  }
}
