import { describe, expect, it } from "vitest";

import { decideIdentitySignIn, groupsFrom, identityProblemMessage, isEmailDomainAllowed, isVerifiedClaim, roleFromGroups } from "./identity-policy";

describe("decideIdentitySignIn", () => {
  const base = {
    identityAccount: null,
    emailAccount: null,
    email: "ida@example.test",
    isEmailVerified: true,
    isDomainAllowed: true,
    isSignUpOpen: true,
  };

  it("signs a known identity into its account, whatever the email says, unless the account is disabled", () => {
    expect(decideIdentitySignIn({ ...base, identityAccount: { isDisabled: false }, isEmailVerified: false })).toEqual({ kind: "sign_in" });
    // Even if another account has that email now: the identity is the key, not the address.
    expect(decideIdentitySignIn({ ...base, identityAccount: { isDisabled: false }, emailAccount: { isDisabled: false, hasPassword: true } })).toEqual({
      kind: "sign_in",
    });
    expect(decideIdentitySignIn({ ...base, identityAccount: { isDisabled: true } })).toEqual({ kind: "refuse", reason: "account_disabled" });
  });

  it("makes a new account for a new identity with a new, verified email, unless sign-up is closed", () => {
    expect(decideIdentitySignIn(base)).toEqual({ kind: "create" });
    expect(decideIdentitySignIn({ ...base, isSignUpOpen: false })).toEqual({ kind: "refuse", reason: "sign_up_closed" });
  });

  it("makes no account from an unverified email (it would take an address that may not be theirs)", () => {
    // A provider that never says (Entra ID) needs OIDC_TRUST_EMAIL, which makes isEmailVerified true.
    expect(decideIdentitySignIn({ ...base, isEmailVerified: false })).toEqual({ kind: "refuse", reason: "sign_up_unverified_email" });
    expect(decideIdentitySignIn({ ...base, isEmailVerified: false, isSignUpOpen: false })).toEqual({ kind: "refuse", reason: "sign_up_closed" });
    // A known identity still signs in, verified or not.
    expect(decideIdentitySignIn({ ...base, isEmailVerified: false, identityAccount: { isDisabled: false } })).toEqual({ kind: "sign_in" });
  });

  it("links to an account with the same email only when the provider verified it and there is a password to prove", () => {
    const local = { isDisabled: false, hasPassword: true };
    expect(decideIdentitySignIn({ ...base, emailAccount: local })).toEqual({ kind: "link" });
    expect(decideIdentitySignIn({ ...base, emailAccount: local, isEmailVerified: false })).toEqual({ kind: "refuse", reason: "email_unverified" });
    expect(decideIdentitySignIn({ ...base, emailAccount: { ...local, hasPassword: false } })).toEqual({ kind: "refuse", reason: "link_by_admin" });
    expect(decideIdentitySignIn({ ...base, emailAccount: { ...local, isDisabled: true } })).toEqual({ kind: "refuse", reason: "account_disabled" });
    // Closed sign-up does not stop a link: no account is made.
    expect(decideIdentitySignIn({ ...base, emailAccount: local, isSignUpOpen: false })).toEqual({ kind: "link" });
  });

  it("refuses addresses outside the allowed domains, known identities included, and new identities without an address", () => {
    expect(decideIdentitySignIn({ ...base, isDomainAllowed: false })).toEqual({ kind: "refuse", reason: "domain_not_allowed" });
    expect(decideIdentitySignIn({ ...base, isDomainAllowed: false, identityAccount: { isDisabled: false } })).toEqual({
      kind: "refuse",
      reason: "domain_not_allowed",
    });
    expect(decideIdentitySignIn({ ...base, email: null })).toEqual({ kind: "refuse", reason: "no_email" });
    expect(decideIdentitySignIn({ ...base, email: null, isDomainAllowed: false, identityAccount: { isDisabled: false } })).toEqual({
      kind: "refuse",
      reason: "no_email",
    });
  });
});

describe("groups and roles", () => {
  it("reads a list of strings or a single string, and nothing else", () => {
    expect(groupsFrom(["a", 1, "b", null])).toEqual(["a", "b"]);
    expect(groupsFrom("admins")).toEqual(["admins"]);
    expect(groupsFrom(undefined)).toEqual([]);
    expect(groupsFrom({ admins: true })).toEqual([]);
  });

  it("gives ADMIN to members of an admin group, USER to everyone else, and nothing when no admin groups are set", () => {
    expect(roleFromGroups(["staff", "valet-admins"], ["valet-admins"])).toBe("ADMIN");
    expect(roleFromGroups(["staff"], ["valet-admins"])).toBe("USER");
    expect(roleFromGroups([], ["valet-admins"])).toBe("USER");
    // Exact names: no prefix, case or substring match.
    expect(roleFromGroups(["valet-admins-old", "Valet-Admins"], ["valet-admins"])).toBe("USER");
    expect(roleFromGroups(["valet-admins"], null)).toBeNull();
  });
});

describe("isEmailDomainAllowed", () => {
  it("matches the domain exactly (case-insensitive); subdomains and look-alikes are other domains", () => {
    const allowed = ["example.com"];
    expect(isEmailDomainAllowed("a@example.com", allowed)).toBe(true);
    expect(isEmailDomainAllowed("a@EXAMPLE.com", allowed)).toBe(true);
    expect(isEmailDomainAllowed("a@evil.example.com", allowed)).toBe(false);
    expect(isEmailDomainAllowed("a@example.com.evil.test", allowed)).toBe(false);
    expect(isEmailDomainAllowed("example.com@evil.test", allowed)).toBe(false);
    expect(isEmailDomainAllowed(null, allowed)).toBe(false);
    expect(isEmailDomainAllowed(null, null)).toBe(true);
  });
});

describe("isVerifiedClaim and messages", () => {
  it("counts only a boolean true as verified", () => {
    expect(isVerifiedClaim(true)).toBe(true);
    for (const value of ["true", 1, undefined, null, false]) expect(isVerifiedClaim(value)).toBe(false);
  });

  it("has words for every refusal and for Auth.js's failures, and none for codes it does not know", () => {
    for (const code of [
      "account_disabled",
      "domain_not_allowed",
      "sign_up_closed",
      "no_email",
      "email_unverified",
      "sign_up_unverified_email",
      "link_by_admin",
      "Configuration",
    ]) {
      expect(identityProblemMessage(code, "Acme SSO")).toMatch(/\w/);
    }
    expect(identityProblemMessage("<script>", "Acme SSO")).toBeNull();
  });
});
