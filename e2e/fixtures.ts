// Every spec's `test`: Playwright's, plus one check after each test, on whatever page it ended:
// at a 390 px phone width, that page does not scroll sideways. (e2e/admin.spec.ts and
// e2e/polish.spec.ts also visit every kind of page at that width on purpose.)
import { test as base, expect, type Page } from "@playwright/test";

export { expect };

export const PHONE = { width: 390, height: 844 };

/** How far the page scrolls sideways: 0 when it fits. */
export function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

export const test = base.extend<{ fitsAPhone: void }>({
  fitsAPhone: [
    async ({ page, baseURL }, use, testInfo) => {
      await use();
      if (testInfo.status !== testInfo.expectedStatus || page.isClosed() || !baseURL || !page.url().startsWith(new URL(baseURL).origin)) return;
      await page.setViewportSize(PHONE);
      await expect.poll(() => sidewaysOverflow(page), { message: `${page.url()} scrolls sideways at ${PHONE.width} px` }).toBe(0);
    },
    { auto: true },
  ],
});
