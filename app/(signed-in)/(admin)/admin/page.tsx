import type { Metadata } from "next";

import { AdminUploadActions } from "@/components/admin-upload-actions";
import { Alert } from "@/components/ui/alert";
import { FilterActions, FilterField, filterInputClass, SortFields } from "@/components/ui/filter-form";
import { LocalTime } from "@/components/ui/local-time";
import { NextPageLink } from "@/components/ui/next-page-link";
import { StatusBadge } from "@/components/ui/status-badge";
import { Table } from "@/components/ui/table";
import { formatBytes, formatDate } from "@/lib/format";
import { listingOrProblem } from "@/lib/server/admin-listing";
import { lastReconcileRun } from "@/lib/server/reconciler";
import { requireAdmin } from "@/lib/server/session";
import { listAllUploads } from "@/lib/server/upload-search";
import { MiB } from "@/lib/units";
import { adminUploadsQuerySchema } from "@/lib/validation/admin";
import { pageQuery } from "@/lib/validation/listing";

export const metadata: Metadata = { title: "Admin · Uploads" };

type Search = Record<string, string | string[] | undefined>;

export default async function AdminUploadsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const admin = await requireAdmin();
  const search = await searchParams;
  const fields = pageQuery(search);
  const mib = (key: string) => (fields[key] === undefined ? undefined : String(Math.round(Number(fields[key]) * MiB)));
  const { data: loaded, problem: error } = await listingOrProblem(async () => {
    const query = adminUploadsQuerySchema.parse({ ...fields, minSize: mib("minMiB"), maxSize: mib("maxMiB") });
    return { list: await listAllUploads(admin, query), reconciler: await lastReconcileRun(admin) };
  });
  const data = loaded?.list ?? null;
  const reconciler = loaded?.reconciler ?? null;
  const value = (key: string) => fields[key] ?? "";

  return (
    <section className="space-y-5" aria-labelledby="uploads-heading">
      <h2 id="uploads-heading" className="sr-only">
        Uploads
      </h2>
      {data ? (
        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4" aria-label="Totals">
          <Stat label="Files" value={data.totals.files.toLocaleString("en")} />
          <Stat label="Stored" value={formatBytes(data.totals.bytes)} />
          <Stat label="In progress" value={(data.totals.byStatus.PENDING?.files ?? 0).toLocaleString("en")} />
          <Stat label="Rejected" value={(data.totals.byStatus.REJECTED?.files ?? 0).toLocaleString("en")} />
        </dl>
      ) : null}

      <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="reconciler-status">
        {reconciler
          ? `Reconciler, last run ${formatDate(reconciler.at)}: ${reconciler.counts.recovered ?? 0} lost completions recovered, ${reconciler.counts.expired ?? 0} reservations expired, ${reconciler.counts.multipartAborted ?? 0} stale multipart uploads aborted, ${reconciler.counts.deadObjectsDeleted ?? 0} objects of dead uploads deleted, ${reconciler.counts.orphans ?? 0} orphaned objects${reconciler.counts.errors ? `, ${reconciler.counts.errors} errors (see the server log)` : ""}.`
          : "The reconciler has not run yet."}
      </p>

      <form
        method="get"
        className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-4 dark:border-slate-700 dark:bg-slate-900"
        aria-label="Search uploads"
      >
        <FilterField label="Search" className="sm:col-span-2">
          <input name="q" defaultValue={value("q")} placeholder="File name, key or owner email" className={filterInputClass} />
        </FilterField>
        <FilterField label="Status">
          <select name="status" defaultValue={value("status")} className={filterInputClass}>
            <option value="">Any</option>
            {["READY", "PENDING", "REJECTED", "ABORTED", "DELETED", "EXPIRED", "QUARANTINED"].map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </FilterField>
        <FilterField label="Type">
          <input name="type" defaultValue={value("type")} placeholder="e.g. image/png" className={filterInputClass} />
        </FilterField>
        <FilterField label="Owner email">
          <input name="owner" type="email" defaultValue={value("owner")} className={filterInputClass} />
        </FilterField>
        <FilterField label="From">
          <input name="from" type="date" defaultValue={value("from")} className={filterInputClass} />
        </FilterField>
        <FilterField label="To">
          <input name="to" type="date" defaultValue={value("to")} className={filterInputClass} />
        </FilterField>
        <div className="grid grid-cols-2 gap-2">
          <FilterField label="Min MiB">
            <input name="minMiB" type="number" min={0} step="any" defaultValue={value("minMiB")} className={filterInputClass} />
          </FilterField>
          <FilterField label="Max MiB">
            <input name="maxMiB" type="number" min={0} step="any" defaultValue={value("maxMiB")} className={filterInputClass} />
          </FilterField>
        </div>
        <SortFields sort={value("sort")} order={value("order")} />
        <FilterActions submitLabel="Search" clearHref="/admin" />
      </form>

      {error ? <Alert>{error}</Alert> : null}
      {data && data.uploads.length === 0 ? (
        <p
          className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-8 text-center text-sm text-slate-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-400"
          data-testid="admin-empty"
        >
          No uploads match these filters. Clear them to see everything.
        </p>
      ) : null}
      {data && data.uploads.length > 0 ? (
        <Table caption="Uploads" headers={["File", "Owner", "Size", "Status", "Created", ""]}>
          {data.uploads.map((u) => (
            <tr key={u.id} data-testid="admin-upload-row">
              <td className="max-w-xs px-3 py-2">
                <div className="flex items-center gap-3">
                  {u.thumbnail ? (
                    // eslint-disable-next-line @next/next/no-img-element -- a redirect to a presigned storage URL, not an optimisable asset
                    <img
                      src={`/api/admin/files/${u.id}/thumbnail`}
                      alt={`Thumbnail of ${u.name}`}
                      loading="lazy"
                      decoding="async"
                      width={40}
                      height={40}
                      className="h-10 w-10 shrink-0 rounded-md bg-slate-100 object-cover ring-1 ring-slate-200 dark:bg-slate-800 dark:ring-slate-700"
                      data-testid="admin-thumbnail"
                    />
                  ) : null}
                  <div className="min-w-0">
                    <p className="truncate font-medium" title={u.name}>
                      {u.name}
                    </p>
                    <p className="truncate text-xs text-slate-500 dark:text-slate-400" title={u.key}>
                      {u.type} · {u.key}
                    </p>
                  </div>
                </div>
              </td>
              <td className="px-3 py-2">{u.ownerEmail}</td>
              <td className="px-3 py-2 whitespace-nowrap">{formatBytes(u.size)}</td>
              <td className="px-3 py-2">
                <StatusBadge status={u.status} />
                {u.rejectReason ? <p className="mt-1 max-w-xs text-xs text-red-700 dark:text-red-300">{u.rejectReason}</p> : null}
                {u.liveShareLinks > 0 ? <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">{u.liveShareLinks} live link(s)</p> : null}
              </td>
              <td className="px-3 py-2 whitespace-nowrap">
                <LocalTime value={u.createdAt} />
              </td>
              <td className="px-3 py-2">
                <AdminUploadActions id={u.id} name={u.name} status={u.status} liveShareLinks={u.liveShareLinks} />
              </td>
            </tr>
          ))}
        </Table>
      ) : null}
      {data?.nextCursor ? (
        <NextPageLink path="/admin" fields={fields} cursor={data.nextCursor}>
          Next page
        </NextPageLink>
      ) : null}
    </section>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white px-4 py-3 dark:border-slate-700 dark:bg-slate-900">
      <dt className="text-xs text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="text-lg font-semibold">{value}</dd>
    </div>
  );
}
