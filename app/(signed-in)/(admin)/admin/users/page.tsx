import type { Metadata } from "next";

import { AdminUserRow } from "@/components/admin-user-row";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { NextPageLink } from "@/components/ui/next-page-link";
import { Table } from "@/components/ui/table";
import { listingOrProblem } from "@/lib/server/admin-listing";
import { requireAdmin } from "@/lib/server/session";
import { listUsers } from "@/lib/server/users";
import { adminUsersQuerySchema } from "@/lib/validation/admin";
import { pageQuery } from "@/lib/validation/listing";

export const metadata: Metadata = { title: "Admin · Users" };

export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const me = await requireAdmin();
  const search = await searchParams;
  const fields = pageQuery(search);
  const { data, problem } = await listingOrProblem(() => listUsers(me, adminUsersQuerySchema.parse(fields)));
  const { users, nextCursor } = data ?? { users: [], nextCursor: null };
  return (
    <section className="space-y-4" aria-labelledby="users-heading">
      <h2 id="users-heading" className="sr-only">
        Users
      </h2>
      <form method="get" className="flex max-w-md gap-2" aria-label="Search users">
        <label htmlFor="user-q" className="sr-only">
          Search users
        </label>
        <input
          id="user-q"
          name="q"
          defaultValue={fields.q ?? ""}
          placeholder="Email or name"
          className="block w-full rounded-md px-3 py-1.5 text-sm ring-1 ring-slate-300 dark:ring-slate-600"
        />
        <button type="submit" className={buttonClasses("primary")}>
          Search
        </button>
      </form>
      {problem ? <Alert>{problem}</Alert> : null}
      {problem ? null : users.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">No users match. Clear the search to see everyone.</p>
      ) : (
        <Table caption="Users" headers={["User", "Usage", "Quota", "Last active", ""]}>
          {users.map((u) => (
            <AdminUserRow key={u.id} user={u} isSelf={u.id === me.id} />
          ))}
        </Table>
      )}
      {nextCursor ? (
        <NextPageLink path="/admin/users" fields={fields} cursor={nextCursor}>
          Next page
        </NextPageLink>
      ) : null}
    </section>
  );
}
