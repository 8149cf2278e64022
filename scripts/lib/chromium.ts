// How the tests and the bench launch Debian's Chromium (Playwright's own browser download cannot
// work on these machines). Without the background-networking flags Chromium keeps trying to reach
// Google's hosts, which this network refuses.
export const CHROMIUM_LAUNCH = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};
