import Link from "next/link";
import { buttonClasses } from "./button";

/**
 * The link to the next page of a keyset-paginated list: the same filters (every non-empty
 * search parameter) with the cursor the list answered.
 */
export function NextPageLink({ path, search, cursor, children }: { path: string; search: Record<string, string | string[] | undefined>; cursor: string; children: React.ReactNode }) {
  const params = new URLSearchParams(Object.entries(search).flatMap(([k, v]) => (typeof v === "string" && v.trim() !== "" && k !== "cursor" ? [[k, v]] : [])));
  params.set("cursor", cursor);
  return (
    <Link href={`${path}?${params}`} className={buttonClasses("secondary")}>
      {children}
    </Link>
  );
}
