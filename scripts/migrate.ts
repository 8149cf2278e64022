// Applies prisma/migrations/*/migration.sql in order, each once, each in its own transaction,
// then graphile-worker's own migrations (the job queue's schema, graphile_worker).
// The SQL is written by `npm run db:diff` (prisma migrate diff); applying it with plain `pg`
// works the same on PostgreSQL and on the embedded PGlite used by `npm run dev`.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Logger, runMigrations } from "graphile-worker";
import pg from "pg";

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "prisma", "migrations");
// Any constant works; it only has to be the same for every process that migrates this database.
const MIGRATION_LOCK_ID = 7_411_202_611;

export async function migrate(databaseUrl: string, log: (line: string) => void = console.log): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  let applied: string[];
  await client.connect();
  try {
    // Two app instances starting at once must not both apply the same migration.
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_valet_migrations" (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ name: string }>(`SELECT name FROM "_valet_migrations"`)).rows.map((r) => r.name));
    const names = (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    applied = [];
    for (const name of names.filter((n) => !done.has(n))) {
      const sql = await readFile(path.join(MIGRATIONS_DIR, name, "migration.sql"), "utf8");
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query(`INSERT INTO "_valet_migrations" (name) VALUES ($1)`, [name]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw new Error(`Migration ${name} failed: ${(error as Error).message}`);
      }
      log(`applied migration ${name}`);
      applied.push(name);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => undefined);
    await client.end();
  }
  // Its own lock, its own bookkeeping (graphile_worker.migrations); silent unless it fails.
  await runMigrations({ connectionString: databaseUrl, logger: QUIET });
  return applied;
}

const QUIET = new Logger(() => (level, message) => {
  // LogLevel is a const enum of strings, which isolated modules cannot import.
  if ((level as string) === "error") console.error(message);
});

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("DATABASE_URL is not set.");
    process.exit(1);
  }
  migrate(url).then(
    (applied) => console.log(applied.length ? `${applied.length} migration(s) applied` : "database is up to date"),
    (error: unknown) => {
      console.error((error as Error).message);
      process.exit(1);
    },
  );
}
