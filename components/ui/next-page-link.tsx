import Link from "next/link";

import { buttonClasses } from "./button";

/**
 * The link to the next page of a keyset-paginated list: the same filters (the page's fields, see
 * pageQuery) with the cursor the list answered.
 */
export function NextPageLink({ path, fields, cursor, children }: { path: string; fields: Record<string, string>; cursor: string; children: React.ReactNode }) {
  const params = new URLSearchParams(Object.entries(fields).filter(([k]) => k !== "cursor"));
  params.set("cursor", cursor);
  return (
    <Link href={`${path}?${params}`} className={buttonClasses("secondary")}>
      {children}
    </Link>
  );
}
