import type { Metadata } from "next";

import { Alert } from "@/components/ui/alert";
import { FilterActions, FilterField, filterInputClass } from "@/components/ui/filter-form";
import { LocalTime } from "@/components/ui/local-time";
import { NextPageLink } from "@/components/ui/next-page-link";
import { Table } from "@/components/ui/table";
import { listingOrProblem } from "@/lib/server/admin-listing";
import { listAudit } from "@/lib/server/audit";
import { requireAdmin } from "@/lib/server/session";
import { adminAuditQuerySchema } from "@/lib/validation/admin";
import { pageQuery } from "@/lib/validation/listing";

export const metadata: Metadata = { title: "Admin · Audit log" };

export default async function AdminAuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const admin = await requireAdmin();
  const search = await searchParams;
  const fields = pageQuery(search);
  const { data, problem: error } = await listingOrProblem(() => listAudit(admin, adminAuditQuerySchema.parse(fields)));

  return (
    <section className="space-y-4" aria-labelledby="audit-heading">
      <h2 id="audit-heading" className="sr-only">
        Audit log
      </h2>
      <form
        method="get"
        className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-3 lg:grid-cols-6 dark:border-slate-700 dark:bg-slate-900"
        aria-label="Filter the audit log"
      >
        <FilterField label="Actor">
          <input name="actor" defaultValue={fields.actor ?? ""} placeholder="email or id" className={filterInputClass} />
        </FilterField>
        <FilterField label="Action">
          <input name="action" defaultValue={fields.action ?? ""} placeholder="e.g. share. or upload.signed" className={filterInputClass} />
        </FilterField>
        <FilterField label="Object">
          <input name="object" defaultValue={fields.object ?? ""} placeholder="upload/link id or key" className={filterInputClass} />
        </FilterField>
        <FilterField label="From">
          <input name="from" type="date" defaultValue={fields.from ?? ""} className={filterInputClass} />
        </FilterField>
        <FilterField label="To">
          <input name="to" type="date" defaultValue={fields.to ?? ""} className={filterInputClass} />
        </FilterField>
        <FilterActions submitLabel="Filter" clearHref="/admin/audit" />
      </form>
      {error ? <Alert>{error}</Alert> : null}
      {data && data.events.length === 0 ? <p className="text-sm text-slate-600 dark:text-slate-400">Nothing recorded matches these filters.</p> : null}
      {data && data.events.length > 0 ? (
        <Table caption="Audit events" headers={["When", "Action", "Actor", "Object", "From"]}>
          {data.events.map((e) => (
            <tr key={e.id} data-testid="audit-row">
              <td className="px-3 py-2 whitespace-nowrap">
                <LocalTime value={e.createdAt} />
              </td>
              <td className="px-3 py-2 font-mono text-xs">{e.action}</td>
              <td className="px-3 py-2">
                {e.actorEmail ?? (e.shareLinkId ? "share link" : "—")}
                {e.actorTokenId ? <span className="block text-xs text-slate-500 dark:text-slate-400">via API token</span> : null}
              </td>
              <td className="max-w-xs px-3 py-2">
                <p className="truncate text-xs" title={e.key ?? undefined}>
                  {e.key ?? e.uploadId ?? "—"}
                </p>
                {e.detail ? <p className="truncate font-mono text-xs text-slate-500 dark:text-slate-400">{JSON.stringify(e.detail)}</p> : null}
              </td>
              <td className="px-3 py-2 text-xs">
                {e.ip ?? "—"}
                <span className="block max-w-[12rem] truncate text-slate-500 dark:text-slate-400" title={e.userAgent ?? undefined}>
                  {e.userAgent ?? ""}
                </span>
              </td>
            </tr>
          ))}
        </Table>
      ) : null}
      {data?.nextCursor ? (
        <NextPageLink path="/admin/audit" fields={fields} cursor={data.nextCursor}>
          Older events
        </NextPageLink>
      ) : null}
    </section>
  );
}
