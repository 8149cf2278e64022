// "Sign in with …" in Chromium against a real OpenID Connect provider (oidc-provider, started by
// `npm test` as the app's OIDC_ISSUER): the provider's own login page, then Valet.
import type { Page } from "@playwright/test";

import { IDP_ISSUER, newIdpUser, setIdpAccount, type IdpUser } from "../tests/helpers/oidc";
import { expect, test } from "./fixtures";
import { cspViolations, newEmail, PASSWORD, signUp, textOfSize, uploadThroughDashboard } from "./helpers";

/** The button on Valet's sign-in page, then the provider's login form when it asks (it does not while its own session lasts). */
async function signInWithIdp(page: Page, user: IdpUser, { expectLogin = true } = {}): Promise<void> {
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Sign in with Test IdP" }).click();
  if (expectLogin) {
    await expect(page.getByRole("heading", { name: "Test IdP" })).toBeVisible();
    expect(new URL(page.url()).origin).toBe(new URL(IDP_ISSUER).origin);
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Continue" }).click();
  }
}

test("signing in with the identity provider lands on My files, where an upload works", async ({ page }) => {
  // The button posts to Valet, which redirects to the provider: the CSP's form-action must allow that.
  const violations = cspViolations(page);
  const user = await newIdpUser({ name: "Eve Example" });
  await signInWithIdp(page, user);
  await expect(page.getByRole("heading", { name: "My files" })).toBeVisible();
  await expect(page).toHaveURL(/\/files$/);
  await uploadThroughDashboard(page, [{ name: "from-the-idp.txt", mimeType: "text/plain", buffer: textOfSize(1024, "idp") }]);
  expect(violations).toEqual([]);
});

test("a member of the admin group reaches /admin, and after leaving the group and signing in again no longer does", async ({ page }) => {
  const user = await newIdpUser({ name: "Ada Group", groups: ["staff", "valet-admins"] });
  await signInWithIdp(page, user);
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { name: "Admin" })).toBeVisible();
  // The users table says how each account signs in, and that its role comes from the groups.
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByRole("textbox", { name: "Search users" }).fill(user.email);
  await page.getByRole("button", { name: "Search" }).click();
  const row = page.getByTestId("admin-user-row");
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId("sign-in-methods")).toHaveText("Signs in with Test IdP");
  await expect(row).toContainText("admin (from groups)");

  await setIdpAccount(user.username, { password: user.password, sub: user.sub, email: user.email, email_verified: true, groups: ["staff"] });
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  // The provider still has its own session: it sends the browser straight back, with the new groups.
  await signInWithIdp(page, user, { expectLogin: false });
  await expect(page.getByRole("heading", { name: "My files" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Admin" })).toHaveCount(0);
  const refused = await page.goto("/admin");
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole("heading", { name: "You don't have access to this page" })).toBeVisible();
});

test("a verified email that has a password account asks for that password once, then signs in", async ({ page, browser }) => {
  const email = newEmail();
  const owner = await browser.newContext();
  await signUp(await owner.newPage(), email, "Lin Local");
  await owner.close();

  const user = await newIdpUser({ email, email_verified: true });
  await signInWithIdp(page, user);
  await expect(page.getByRole("heading", { name: "Link your sign-in" })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();
  await page.getByLabel("Valet password").fill("not the password");
  await page.getByRole("button", { name: "Link and sign in" }).click();
  await expect(page.getByText("That email and password don't match an account")).toBeVisible();
  await page.getByLabel("Valet password").fill(PASSWORD);
  await page.getByRole("button", { name: "Link and sign in" }).click();
  await expect(page.getByRole("heading", { name: "My files" })).toBeVisible();
});

test("an unverified email that has a password account is refused with a message, not linked", async ({ page, browser }) => {
  const email = newEmail();
  const owner = await browser.newContext();
  await signUp(await owner.newPage(), email, "Uma Unverified");
  await owner.close();

  const user = await newIdpUser({ email, email_verified: false });
  await signInWithIdp(page, user);
  await expect(page).toHaveURL(/\/sign-in\?error=email_unverified$/);
  await expect(page.getByRole("alert").filter({ hasText: "has not confirmed that the address is yours" })).toBeVisible();
});
