import Link from "next/link";
import type { ReactNode } from "react";

import { buttonClasses } from "@/components/ui/button";

/** Inputs inside a FilterField use this look. */
export const filterInputClass =
  "block w-full rounded-md border-0 px-2.5 py-1.5 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600 dark:ring-slate-600 dark:focus:ring-indigo-500";

/** A labelled control in a listing's filter form (a GET form: filters live in the URL). */
export function FilterField({ label, className = "", children }: { label: string; className?: string; children: ReactNode }) {
  return (
    <label className={`space-y-1 text-sm ${className}`}>
      <span className="font-medium">{label}</span>
      {children}
    </label>
  );
}

/** Submit, and a link back to the unfiltered page. */
export function FilterActions({ submitLabel, clearHref }: { submitLabel: string; clearHref: string }) {
  return (
    <div className="flex items-end gap-2">
      <button type="submit" className={buttonClasses("primary")}>
        {submitLabel}
      </button>
      <Link href={clearHref} className={buttonClasses("ghost")}>
        Clear
      </Link>
    </div>
  );
}

/** The sort column and order of a keyset listing (lib/validation/listing.ts: date, name, size; desc, asc). */
export function SortFields({ sort, order, dateLabel = "Date" }: { sort: string; order: string; dateLabel?: string }) {
  return (
    <>
      <FilterField label="Sort by">
        <select name="sort" defaultValue={sort || "date"} className={filterInputClass}>
          <option value="date">{dateLabel}</option>
          <option value="name">Name</option>
          <option value="size">Size</option>
        </select>
      </FilterField>
      <FilterField label="Order">
        <select name="order" defaultValue={order || "desc"} className={filterInputClass}>
          <option value="desc">Descending</option>
          <option value="asc">Ascending</option>
        </select>
      </FilterField>
    </>
  );
}
