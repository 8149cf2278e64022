// The things people notice: their own time zone, titles that name the file, a skip link, dark
// mode, contrast, a lost share link, the wrong-password page, and every page at phone width.
import { type Browser, type Page } from "@playwright/test";

import { expect, PHONE, sidewaysOverflow, test } from "./fixtures";
import { newEmail, PASSWORD, screenshot, signUp, textOfSize, uploadThroughDashboard } from "./helpers";

async function fileIdOf(page: Page, name: string): Promise<{ id: string; createdAt: string }> {
  const { files } = (await (await page.request.get("/api/files")).json()) as { files: Array<{ id: string; name: string; createdAt: string }> };
  const file = files.find((f) => f.name === name);
  expect(file).toBeDefined();
  return file!;
}

/** Signs up, uploads one text file and opens its page. */
async function ownerWithFile(page: Page, name: string) {
  await signUp(page, newEmail());
  await uploadThroughDashboard(page, [{ name, mimeType: "text/plain", buffer: textOfSize(2048, name) }]);
  const file = await fileIdOf(page, name);
  await page.goto(`/files/${file.id}`);
  await expect(page.getByRole("heading", { name })).toBeVisible();
  return file;
}

async function createLink(page: Page, options: { maxDownloads?: number; password?: string } = {}): Promise<string> {
  if (options.maxDownloads) await page.getByLabel("Maximum downloads (optional)").fill(String(options.maxDownloads));
  if (options.password) await page.getByLabel("Password (optional)").fill(options.password);
  await page.getByRole("button", { name: "Create link" }).click();
  return page.getByLabel("New share link").inputValue();
}

async function anonymousPage(browser: Browser, options: Parameters<Browser["newContext"]>[0] = {}) {
  const context = await browser.newContext(options);
  return { page: await context.newPage(), close: () => context.close() };
}

/** An element's computed colour property as sRGB [r, g, b, a] (Tailwind's colours compute as lab()/oklch()). */
function cssColour(page: Page, selector: string, property: "color" | "backgroundColor"): Promise<number[]> {
  return page
    .locator(selector)
    .first()
    .evaluate((element, name) => {
      const context = document.createElement("canvas").getContext("2d", { willReadFrequently: true })!;
      context.fillStyle = getComputedStyle(element)[name];
      context.fillRect(0, 0, 1, 1);
      return [...context.getImageData(0, 0, 1, 1).data];
    }, property);
}

/** Equal colours, give or take the rounding of a lab()/oklch() to sRGB conversion. */
function expectColour(actual: number[], expected: number[]) {
  expect({ actual, near: actual.every((v, i) => Math.abs(v - expected[i]!) <= 2) }).toEqual({ actual, near: true });
}

/** WCAG contrast ratio of an element's text against the first opaque background behind it. */
function textContrast(page: Page, selector: string): Promise<number> {
  return page
    .locator(selector)
    .first()
    .evaluate((element) => {
      const context = document.createElement("canvas").getContext("2d", { willReadFrequently: true })!;
      const rgba = (css: string) => {
        context.clearRect(0, 0, 1, 1);
        context.fillStyle = css;
        context.fillRect(0, 0, 1, 1);
        return [...context.getImageData(0, 0, 1, 1).data];
      };
      const luminance = ([r, g, b]: number[]) => {
        const channel = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
        return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
      };
      let background = [255, 255, 255];
      for (let node: Element | null = element; node; node = node.parentElement) {
        const value = rgba(getComputedStyle(node).backgroundColor);
        if (value[3] === 255) {
          background = value;
          break;
        }
      }
      const [a, b] = [luminance(rgba(getComputedStyle(element).color)), luminance(background)];
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    });
}

test("dates are in the viewer's time zone and locale with UTC in the tooltip, and a file's page is titled with its name", async ({ browser }) => {
  const { page, close } = await anonymousPage(browser, { timezoneId: "America/Los_Angeles", locale: "en-US" });
  const file = await ownerWithFile(page, "itinerary.txt");
  await expect(page).toHaveTitle("itinerary.txt · Valet");
  const uploaded = page.locator(`time[datetime="${file.createdAt}"]`).first();
  const expected = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "America/Los_Angeles" }).format(
    new Date(file.createdAt),
  );
  await expect(uploaded).toHaveText(expected);
  await expect(uploaded).toHaveAttribute("title", /UTC$/);
  await close();
});

test("a keyboard user can skip the header straight to the page's content", async ({ page }) => {
  await signUp(page, newEmail());
  // A fresh load: the first Tab of the page.
  await page.goto("/files");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
});

test("signing up with an email that has an account offers a link to sign in instead", async ({ page, browser }) => {
  const email = newEmail();
  await signUp(page, email);
  const { page: other, close } = await anonymousPage(browser);
  await other.goto("/sign-up");
  await other.getByLabel("Email").fill(email);
  await other.getByLabel("Password").fill(PASSWORD);
  await other.getByRole("button", { name: "Create account" }).click();
  await other.getByRole("alert").filter({ hasText: "already exists" }).getByRole("link", { name: "Sign in instead" }).click();
  await expect(other).toHaveURL(/\/sign-in/);
  await expect(other.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await close();
});

test("a share link is shown once, the page says why, and Create another copies a lost link's settings", async ({ page }) => {
  await ownerWithFile(page, "minutes.txt");
  await createLink(page, { maxDownloads: 3 });
  await expect(page.getByRole("status").filter({ hasText: "shown only once" })).toContainText("cannot show it again");
  await page.getByLabel("Maximum downloads (optional)").fill("");
  await page.getByRole("button", { name: /^Create another link like the one created/ }).click();
  await expect(page.getByLabel("Maximum downloads (optional)")).toHaveValue("3");
  await expect(page.getByLabel("Maximum downloads (optional)")).toBeFocused();
  await expect(page.getByRole("radio", { name: "7 days" })).toBeChecked();
  await expect(page.getByRole("status").filter({ hasText: "Settings copied from the link created" })).toBeVisible();
  await page.getByRole("button", { name: "Create link" }).click();
  await expect(page.getByTestId("share-row")).toHaveCount(2);
  await expect(page.getByTestId("share-row").filter({ hasText: "0 / 3" })).toHaveCount(2);
});

test("the wrong-password page of a share link looks like the rest of Valet and says what happened", async ({ page, browser }) => {
  await ownerWithFile(page, "vault.txt");
  const url = await createLink(page, { password: "open sesame 123" });
  for (const colorScheme of ["light", "dark"] as const) {
    const { page: recipient, close } = await anonymousPage(browser, { colorScheme });
    await recipient.goto(url);
    await recipient.getByLabel("Password", { exact: true }).fill("not the password");
    await recipient.getByRole("button", { name: "Download" }).click();
    await expect(recipient).toHaveTitle("Wrong password · Valet");
    await expect(recipient.getByRole("heading", { name: "Wrong password" })).toBeVisible();
    await expect(recipient.getByRole("alert")).toContainText("password");
    await expect(recipient.getByText("Valet", { exact: true })).toBeVisible();
    await expect(recipient.getByLabel("Password", { exact: true })).toBeVisible();
    // The card stands out from the page, in the page's colours for the scheme.
    const [background, card] = await Promise.all([cssColour(recipient, "body", "backgroundColor"), cssColour(recipient, ".card", "backgroundColor")]);
    expect(background).not.toEqual(card);
    expectColour(card, colorScheme === "light" ? [255, 255, 255, 255] : [15, 23, 42, 255]);
    expect(await textContrast(recipient, ".message")).toBeGreaterThanOrEqual(4.5);
    await recipient.setViewportSize(PHONE);
    expect(await sidewaysOverflow(recipient)).toBe(0);
    if (colorScheme === "light") await screenshot(recipient, "share-wrong-password");
    await close();
  }
});

test("dark mode follows the system; the uploader follows too, and its helper text is readable in both", async ({ browser }) => {
  for (const colorScheme of ["light", "dark"] as const) {
    const { page, close } = await anonymousPage(browser, { colorScheme });
    await signUp(page, newEmail());
    await expect(page.locator(".uppy-Dashboard")).toHaveAttribute("data-uppy-theme", colorScheme);
    // Tailwind's slate-50 and slate-950.
    expectColour(await cssColour(page, "body", "backgroundColor"), colorScheme === "light" ? [248, 250, 252, 255] : [2, 6, 23, 255]);
    for (const selector of [".uppy-Dashboard-note", ".uppy-Dashboard-AddFiles-title", "main h1", "main p"]) {
      expect({ selector, ok: (await textContrast(page, selector)) >= 4.5 }).toEqual({ selector, ok: true });
    }
    await uploadThroughDashboard(page, [{ name: "night-notes.txt", mimeType: "text/plain", buffer: textOfSize(4096, "night") }]);
    expect(await textContrast(page, ".uppy-Dashboard-Item-status")).toBeGreaterThanOrEqual(4.5);
    // As rendered (innerText applies text-transform): "4.00 KiB", not Uppy's "4.00 KIB".
    expect(await page.locator(".uppy-Dashboard-Item-statusSize").first().innerText()).toBe("4.00 KiB");
    if (colorScheme === "dark") await screenshot(page, "files-dark");
    await close();
  }
});

test("at 390 px, no public page scrolls sideways either: sign-in, sign-up, a share page, a dead link, a missing page", async ({ page, browser }) => {
  await ownerWithFile(page, "phone.txt");
  const url = await createLink(page);
  const { page: visitor, close } = await anonymousPage(browser, { viewport: PHONE });
  for (const path of ["/sign-in", "/sign-up", url, `${url}x`, "/no-such-page"]) {
    await visitor.goto(path);
    await expect(visitor.locator("main")).toBeVisible();
    expect({ path, overflow: await sidewaysOverflow(visitor) }).toEqual({ path, overflow: 0 });
  }
  await close();
});
