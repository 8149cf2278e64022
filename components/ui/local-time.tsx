"use client";

import { useSyncExternalStore } from "react";

import { formatDate, formatLocalDate } from "@/lib/format";

const never = () => () => undefined;

/**
 * A moment in the viewer's locale and time zone, with UTC in its tooltip. The server knows neither,
 * so it renders UTC, and the browser replaces it once hydrated (no mismatch: the server snapshot).
 */
export function LocalTime({ value }: { value: string | Date }) {
  const iso = typeof value === "string" ? value : value.toISOString();
  const local = useSyncExternalStore(
    never,
    () => formatLocalDate(iso),
    () => null,
  );
  return (
    <time dateTime={iso} title={formatDate(iso)}>
      {local ?? formatDate(iso)}
    </time>
  );
}
