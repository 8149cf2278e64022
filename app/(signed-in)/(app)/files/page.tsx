import type { Metadata } from "next";
import Link from "next/link";

import { FileTable } from "@/components/file-table";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { FilterActions, FilterField, filterInputClass, SortFields } from "@/components/ui/filter-form";
import { NextPageLink } from "@/components/ui/next-page-link";
import { Uploader } from "@/components/uploader";
import { FILE_KIND_LABELS, FILE_KINDS } from "@/lib/media-types";
import { listingOrProblem } from "@/lib/server/admin-listing";
import { listFiles } from "@/lib/server/files";
import { requireUser } from "@/lib/server/session";
import { listFilesQuerySchema } from "@/lib/validation/files";
import { pageQuery } from "@/lib/validation/listing";

export const metadata: Metadata = { title: "My files" };

type Search = Record<string, string | string[] | undefined>;

export default async function FilesPage({ searchParams }: { searchParams: Promise<Search> }) {
  const user = await requireUser();
  const fields = pageQuery(await searchParams);
  const { data, problem } = await listingOrProblem(() => listFiles({ user, query: listFilesQuerySchema.parse(fields) }));
  const value = (key: string) => fields[key] ?? "";
  const isFiltered = Boolean(fields.q ?? fields.type);
  const isFirstPage = !fields.cursor;
  // Someone with no files at all gets the invitation to upload, not a search form.
  const hasNoFiles = data !== null && data.files.length === 0 && !isFiltered && isFirstPage;
  const sameQuery = new URLSearchParams(Object.entries(fields).filter(([k]) => k !== "cursor")).toString();
  const firstPageHref = sameQuery ? `/files?${sameQuery}` : "/files";
  const isNewestFirst = value("sort") !== "name" && value("sort") !== "size" && value("order") !== "asc";

  return (
    <div className="space-y-8">
      <section aria-labelledby="upload-heading" className="space-y-3">
        <div>
          <h1 id="upload-heading" className="text-2xl font-semibold tracking-tight">
            My files
          </h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">Drop files below. They go straight to storage; Valet only hands out the keys.</p>
        </div>
        <Uploader />
      </section>
      <section aria-labelledby="files-heading" className="space-y-3">
        <h2 id="files-heading" className="text-lg font-semibold">
          Your files
        </h2>
        {hasNoFiles ? null : (
          <form
            method="get"
            action="/files"
            className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-5 dark:border-slate-700 dark:bg-slate-900"
            aria-label="Search your files"
          >
            <FilterField label="Search by name" className="sm:col-span-2 lg:col-span-1">
              <input name="q" type="search" maxLength={200} defaultValue={value("q")} placeholder="Part of a file name" className={filterInputClass} />
            </FilterField>
            <FilterField label="Type">
              <select name="type" defaultValue={value("type")} className={filterInputClass}>
                <option value="">Any type</option>
                {FILE_KINDS.map((kind) => (
                  <option key={kind} value={kind}>
                    {FILE_KIND_LABELS[kind]}
                  </option>
                ))}
              </select>
            </FilterField>
            <SortFields sort={value("sort")} order={value("order")} dateLabel="Date uploaded" />
            <FilterActions submitLabel="Apply" clearHref="/files" />
          </form>
        )}
        {problem ? (
          <Alert>
            {problem}{" "}
            <Link href="/files" className="font-medium underline">
              Start again
            </Link>
          </Alert>
        ) : null}
        {hasNoFiles ? (
          <div
            className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-10 text-center dark:border-slate-600 dark:bg-slate-900"
            data-testid="files-empty"
          >
            <p className="font-medium text-slate-800 dark:text-slate-200">No files yet</p>
            <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">Upload your first file above: drop it in the box, or click “browse files”.</p>
          </div>
        ) : data && data.files.length === 0 ? (
          <div
            className="rounded-xl border border-dashed border-slate-300 bg-white px-6 py-8 text-center text-sm text-slate-600 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-400"
            data-testid="files-no-match"
          >
            <p>{isFiltered ? "No files match this search." : "There are no more files."}</p>
            <Link
              href={isFiltered ? "/files" : firstPageHref}
              className="mt-2 inline-block font-medium text-indigo-600 hover:text-indigo-500 dark:text-indigo-400 dark:hover:text-indigo-300"
            >
              {isFiltered ? "Clear filters" : "Back to the first page"}
            </Link>
          </div>
        ) : data ? (
          <FileTable files={data.files} />
        ) : null}
        {data && (!isFirstPage || data.nextCursor) ? (
          <nav aria-label="Pages of your files" className="flex flex-wrap gap-2">
            {isFirstPage ? null : (
              <Link href={firstPageHref} className={buttonClasses("secondary")}>
                {isNewestFirst ? "Newest" : "First page"}
              </Link>
            )}
            {data.nextCursor ? (
              <NextPageLink path="/files" fields={fields} cursor={data.nextCursor}>
                Next page
              </NextPageLink>
            ) : null}
          </nav>
        ) : null}
      </section>
    </div>
  );
}
