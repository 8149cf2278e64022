import pg from "pg";

import { expect, test } from "./fixtures";
import { newEmail, PASSWORD, signUp } from "./helpers";

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("signing up and in posts the form: the password never reaches a URL, and a wrong one comes back to the form", async ({ page }) => {
    const urls: string[] = [];
    page.on("request", (request) => urls.push(request.url()));
    const email = newEmail();

    await page.goto("/sign-up");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByRole("heading", { name: "My files" })).toBeVisible();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(/\/sign-in\?error=invalid_credentials$/);
    await expect(page.getByText("That email and password don't match an account")).toBeVisible();

    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page.getByRole("heading", { name: "My files" })).toBeVisible();

    const passwordInUrl = urls.filter(
      (u) => u.includes(encodeURIComponent(PASSWORD)) || u.includes(PASSWORD) || u.includes("not%20the%20password") || u.includes("password="),
    );
    expect(passwordInUrl).toEqual([]);
  });
});

test("with JavaScript the sign-in form is still a POST form, to /api/sign-in", async ({ page }) => {
  const email = newEmail();
  await signUp(page, email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  const form = page.locator("form").filter({ has: page.getByLabel("Password") });
  await expect(form).toHaveAttribute("method", "post");
  await expect(form).toHaveAttribute("action", "/api/sign-in");
});

test("a signed-out visit to a page comes back to it after signing in", async ({ page }) => {
  const email = newEmail();
  await signUp(page, email);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.goto("/settings?from=mail");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fsettings%3Ffrom%3Dmail$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/settings\?from=mail$/);
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
});

test("a disabled account's session lands on the sign-in form, not in a redirect loop", async ({ page }) => {
  const email = newEmail();
  await signUp(page, email);
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  await client.query(`UPDATE "User" SET "disabledAt" = now() WHERE email = $1`, [email]);
  await client.end();
  await page.goto("/files");
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
});
