// Prisma CLI configuration. The CLI's native schema engine is a download these machines cannot
// make, so the CLI runs its WebAssembly engine over the pg driver adapter instead. The CLI is used
// for `prisma generate` and `prisma migrate diff` (writing migration SQL, no database needed);
// migrations are applied by scripts/migrate.ts, which works the same on PostgreSQL and PGlite.
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => {
    const url = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
    // Discrete fields, not a connectionString: the CLI spreads this config for its shadow
    // database and a connectionString would silently win over the shadow's database name.
    return new PrismaPg({
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1) || "postgres",
    });
  },
});
