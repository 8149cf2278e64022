// Human units for sizes and dates, shared by server-rendered and client components.

const SIZE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${SIZE_UNITS[unit]}`;
}

const dateFormatter = new Intl.DateTimeFormat("en-GB", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  timeZone: "UTC",
});

/** "27 Nov 2026, 18:40 UTC": stable across server and browser, so hydration matches. */
export function formatDate(iso: string | Date): string {
  return `${dateFormatter.format(typeof iso === "string" ? new Date(iso) : iso)} UTC`;
}

let localFormatter: Intl.DateTimeFormat | undefined;

/** In the viewer's own locale and time zone (the browser's): "30 Nov 2026, 08:40" in en-GB. */
export function formatLocalDate(iso: string | Date): string {
  localFormatter ??= new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  return localFormatter.format(typeof iso === "string" ? new Date(iso) : iso);
}

/** "48 million", "12,000": pixel and item counts in words people read at a glance. */
export function formatCount(n: number): string {
  if (n >= 1_000_000) return `${Number((n / 1_000_000).toFixed(1))} million`;
  return n.toLocaleString("en-GB");
}
