import type { ReactNode } from "react";

/** For the cells of a column that a phone leaves out (see Table's phoneHidden). */
export const PHONE_HIDDEN = "hidden sm:table-cell";

/**
 * A bordered, horizontally scrollable table; an empty header renders as an "Actions" column, and a
 * header may be a control (a "select all" checkbox). The wrapper is positioned so that the visually
 * hidden caption and header (absolutely positioned) stay inside it: otherwise they escape the
 * scroll box and make the whole page scroll sideways.
 */
export function Table({
  caption,
  headers,
  phoneHidden = [],
  children,
}: {
  caption: string;
  headers: ReactNode[];
  /** Columns left out below the sm breakpoint (their cells carry PHONE_HIDDEN too), so a row fits a phone. */
  phoneHidden?: number[];
  children: ReactNode;
}) {
  return (
    <div className="relative overflow-x-auto rounded-xl border border-slate-200 bg-white dark:border-slate-700 dark:bg-slate-900">
      <table className="min-w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-50 text-slate-600 dark:bg-slate-950 dark:text-slate-400">
          <tr>
            {headers.map((h, i) => (
              <th key={i} scope="col" className={`px-3 py-2 font-medium ${phoneHidden.includes(i) ? PHONE_HIDDEN : ""}`}>
                {h || <span className="sr-only">Actions</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-200 dark:divide-slate-700">{children}</tbody>
      </table>
    </div>
  );
}
