#!/usr/bin/env bash
# Prints the SQL that takes the database from prisma/schema.prisma as of REV (default HEAD) to the
# working tree's schema. Save it as prisma/migrations/<timestamp>_<name>/migration.sql.
# Needs no database: Prisma's WebAssembly schema engine diffs the two schema files.
set -euo pipefail
rev=${1:-HEAD}
prev=$(mktemp --suffix=.prisma)
trap 'rm -f "$prev"' EXIT
git show "$rev:prisma/schema.prisma" >"$prev"
export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
npx prisma migrate diff --from-schema-datamodel "$prev" --to-schema-datamodel prisma/schema.prisma --script
