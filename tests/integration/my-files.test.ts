// My files at scale: keyset pages over thousands of an owner's files (and the plans PostgreSQL
// picks for them), search, kinds, the live-link count, thumbnails and bulk delete, through the
// running app on the real database and RGW.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";

import { encodeCursor } from "@/lib/server/cursor";
import { ownerFilesStatement } from "@/lib/server/files";
import { listFilesQuerySchema } from "@/lib/validation/files";

import { ApiClient, signedInClient, type JsonResponse } from "../helpers/api-client";
import { PNG_1X1 } from "../helpers/fixtures";
import { expectError, unchanged } from "../helpers/state";
import { uploadFile, waitForFile } from "../helpers/valet-upload";
import { adminClient, APP_URL, auditActions, bucket, SEEDED_JOB_RESULTS, sql, uploadRow, userIdOf } from "./context";

const SEEDED = 5_000;

/**
 * `count` files for one owner in one statement. Names, sizes and dates repeat in pairs or
 * triples (so the id tiebreak matters), the types cycle through every kind, and one row in 50 is
 * not READY (My files must never show it).
 */
async function seedFiles(ownerId: string, count: number): Promise<void> {
  await sql.query(
    `INSERT INTO "Upload" (id, "ownerId", key, name, size, "contentType", strategy, "partSize", "partCount", status, "expiresAt", "createdAt", "completedAt", sha256, "thumbnailNote")
     SELECT s.id, $1::uuid, 'users/' || $1 || '/' || s.id || '/f', s.name, s.size, s.type, 'SINGLE', s.size, 1, s.status::"UploadStatus", now(), s.at, s.at, ${SEEDED_JOB_RESULTS}
     FROM (
       SELECT gen_random_uuid() AS id,
              'file-' || lpad((g / 2)::text, 5, '0') || (ARRAY['.png', '.txt', '.mp4', '.zip', '.bin'])[g % 5 + 1] AS name,
              1000 + g / 3 AS size,
              (ARRAY['image/png', 'text/plain', 'video/mp4', 'application/zip', 'application/octet-stream'])[g % 5 + 1] AS type,
              CASE WHEN g % 50 = 7 THEN (ARRAY['PENDING', 'QUARANTINED', 'DELETED'])[g % 3 + 1] ELSE 'READY' END AS status,
              timestamp '2026-01-01' + (g / 2) * interval '1 minute' AS at
       FROM generate_series(1, $2::int) AS g
     ) s`,
    [ownerId, count],
  );
}

/**
 * Everyone else: `owners` accounts with `each` files apiece, names, sizes and dates at random.
 * The owner's 5,000 are then about a tenth of the table, as a heavy user's would be in a shared
 * install (with the owner holding half of it, the planner may as well walk the console's (name,
 * id) index and skip the other half, and sometimes does).
 */
async function seedOthers(owners: number, each: number): Promise<void> {
  await sql.query(
    `WITH others AS (
       INSERT INTO "User" (id, email, "passwordHash")
       SELECT gen_random_uuid(), 'other-' || gen_random_uuid() || '@example.test', 'not a hash' FROM generate_series(1, $1::int)
       RETURNING id
     )
     INSERT INTO "Upload" (id, "ownerId", key, name, size, "contentType", strategy, "partSize", "partCount", status, "expiresAt", "createdAt", "completedAt", sha256, "thumbnailNote")
     SELECT s.id, s.owner, 'users/' || s.owner || '/' || s.id || '/f', s.name, s.size, 'text/plain', 'SINGLE', s.size, 1, 'READY', now(), s.at, s.at, ${SEEDED_JOB_RESULTS}
     FROM (
       SELECT gen_random_uuid() AS id, o.id AS owner, md5(random()::text) || '.txt' AS name, (random() * 1e7)::bigint + 1 AS size,
              timestamp '2025-06-01' + random() * interval '400 days' AS at
       FROM others o, generate_series(1, $2::int)
     ) s`,
    [owners, each],
  );
}

/** Links on some of an owner's files: live, revoked, expired and used up, one of each per 10 files. */
async function seedLinks(ownerId: string): Promise<void> {
  await sql.query(
    `INSERT INTO "ShareLink" (id, "uploadId", "createdById", "tokenHash", "expiresAt", "maxDownloads", "downloadCount", "revokedAt")
     SELECT gen_random_uuid(), u.id, u."ownerId", md5(random()::text) || u.id, now() + (CASE WHEN k = 2 THEN interval '-1 hour' ELSE interval '1 day' END),
            CASE WHEN k = 3 THEN 1 END, CASE WHEN k = 3 THEN 1 ELSE 0 END, CASE WHEN k = 1 THEN now() END
     FROM (SELECT id, "ownerId", row_number() OVER (ORDER BY id) % 10 AS k FROM "Upload" WHERE "ownerId" = $1) u
     WHERE k < 4`,
    [ownerId],
  );
}

async function newOwner(): Promise<{ client: ApiClient; email: string; id: string }> {
  const { client, email } = await signedInClient(APP_URL);
  return { client, email, id: await userIdOf(email) };
}

const ORDERS = [
  { sort: "date", order: "desc", column: `"createdAt"`, index: "Upload_ownerId_status_createdAt_id_idx" },
  { sort: "date", order: "asc", column: `"createdAt"`, index: "Upload_ownerId_status_createdAt_id_idx" },
  { sort: "name", order: "asc", column: "name", index: "Upload_ownerId_status_name_id_idx" },
  { sort: "name", order: "desc", column: "name", index: "Upload_ownerId_status_name_id_idx" },
  { sort: "size", order: "desc", column: "size", index: "Upload_ownerId_status_size_id_idx" },
  { sort: "size", order: "asc", column: "size", index: "Upload_ownerId_status_size_id_idx" },
] as const;

/** The owner's READY files in one order, straight from the table: what walking the pages must give. */
async function expectedIds(ownerId: string, column: string, order: string): Promise<string[]> {
  const { rows } = await sql.query(`SELECT id FROM "Upload" WHERE "ownerId" = $1 AND status = 'READY' ORDER BY ${column} ${order}, id ${order}`, [ownerId]);
  return rows.map((r: { id: string }) => r.id);
}

/** Every page of GET /api/files for this query, following nextCursor. */
async function walk(client: ApiClient, query: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 1; pages <= 1_000; pages++) {
    const res: JsonResponse = await client.json("GET", `/api/files?${query}${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status).toBe(200);
    ids.push(...res.body.files.map((f: { id: string }) => f.id));
    cursor = res.body.nextCursor;
    if (!cursor) return { ids, pages };
  }
  throw new Error("pagination did not end");
}

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  "Scan Direction"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  "Parent Relationship"?: string;
  Plans?: PlanNode[];
}

const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];
const describePlan = (node: PlanNode, depth = 0): string =>
  [
    `${"  ".repeat(depth)}${node["Node Type"]}${node["Scan Direction"] === "Backward" ? " Backward" : ""}${node["Index Name"] ? ` using ${node["Index Name"]}` : node["Relation Name"] ? ` on ${node["Relation Name"]}` : ""} (rows=${node["Actual Rows"]} loops=${node["Actual Loops"]})`,
    ...(node.Plans ?? []).map((child) => describePlan(child, depth + 1)),
  ].join("\n");

/** EXPLAIN ANALYZE of exactly the statement listFiles runs for this owner and query. */
async function explain(ownerId: string, query: Record<string, string>) {
  const statement = ownerFilesStatement(ownerId, listFilesQuerySchema.parse(query));
  const { rows } = await sql.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`, statement.values);
  const [result] = rows[0]["QUERY PLAN"] as Array<{ Plan: PlanNode; "Execution Time": number; "Planning Time": number }>;
  return { plan: result!.Plan, nodes: flatten(result!.Plan), ms: result!["Execution Time"], planningMs: result!["Planning Time"] };
}

/** The id and sort value of the owner's READY file at `offset` in this order: a cursor as the API would hand it out after it. */
async function cursorAt(ownerId: string, o: (typeof ORDERS)[number], offset: number): Promise<string> {
  const value = o.sort === "date" ? `to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : `${o.column}::text`;
  const { rows } = await sql.query(
    `SELECT id, ${value} AS value FROM "Upload" WHERE "ownerId" = $1 AND status = 'READY' ORDER BY ${o.column} ${o.order}, id ${o.order} OFFSET $2 LIMIT 1`,
    [ownerId, offset],
  );
  return encodeCursor({ value: rows[0].value, id: rows[0].id });
}

describe("My files with thousands of files", () => {
  it(`reads each page of ${SEEDED.toLocaleString("en")} files, first or deep, in every order, as an index range scan of the owner's index`, async () => {
    const owner = await newOwner();
    await seedFiles(owner.id, SEEDED);
    await seedOthers(40, 1_000);
    await seedLinks(owner.id);
    const ready = SEEDED - SEEDED / 50;
    await sql.query(`ANALYZE "Upload"`);
    await sql.query(`ANALYZE "ShareLink"`);
    const limit = 50;
    const report: string[] = [];
    for (const o of ORDERS) {
      for (const [page, cursor] of [
        ["first", undefined],
        ["deep (after 4,000 rows)", await cursorAt(owner.id, o, 3_999)],
      ] as const) {
        const { plan, nodes, ms, planningMs } = await explain(owner.id, { sort: o.sort, order: o.order, limit: String(limit), ...(cursor ? { cursor } : {}) });
        const where = `${o.sort} ${o.order}, ${page} page:\n${describePlan(plan)}`;
        // Nothing reads a table from end to end.
        expect(
          nodes.filter((n) => n["Node Type"] === "Seq Scan"),
          where,
        ).toEqual([]);
        // The uploads are read through the owner's index for this order, from the cursor on.
        const reads = nodes.filter((n) => n["Index Name"]?.startsWith("Upload_"));
        expect(reads, where).toHaveLength(1);
        const read = reads[0]!;
        expect(read["Index Name"], where).toBe(o.index);
        expect(read["Index Cond"], where).toContain(`"ownerId" =`);
        if (cursor) expect(read["Index Cond"], where).toMatch(new RegExp(`${o.column.replaceAll('"', '\\"')} [<>]=`));
        const isOrdered = /^Index (Only )?Scan$/.test(read["Node Type"]);
        report.push(
          `${o.sort} ${o.order}, ${page}: ${isOrdered ? "Index Scan" : read["Node Type"]} of ${read["Index Name"]}, ${read["Actual Rows"]} rows read${isOrdered ? "" : ", then a top-N Sort"}; ${ms.toFixed(2)} ms (planning ${planningMs.toFixed(2)} ms)`,
        );
        if (!cursor || isOrdered) {
          // In index order, nothing sorted: the scan stops after the page (limit + 1 rows), having
          // passed over only the rows that share the cursor's value (its own and its ties: 3 at
          // most here, where sizes come in threes), not the 4,000 before it.
          expect(isOrdered, where).toBe(true);
          expect(
            nodes.filter((n) => /Sort/.test(n["Node Type"])),
            where,
          ).toEqual([]);
          expect(read["Actual Rows"], where).toBe(limit + 1);
          expect(read["Rows Removed by Filter"] ?? 0, where).toBeLessThanOrEqual(3);
        } else {
          // Near the end of the order PostgreSQL may instead collect what is left past the cursor
          // (a bitmap range scan of the same index, here ~900 rows) and sort it: still bounded by
          // the rows after the cursor, never by those before it.
          expect(read["Node Type"], where).toBe("Bitmap Index Scan");
          expect(read["Actual Rows"], where).toBeLessThanOrEqual(ready - 4_000 + 3);
        }
        // Live links are counted per row, through the links' own index: never a pass over all of them.
        const linkScans = nodes.filter((n) => n["Relation Name"] === "ShareLink");
        expect(linkScans.length, where).toBeGreaterThan(0);
        for (const links of linkScans) expect(links["Node Type"], where).toMatch(/^Index (Only )?Scan$/);
      }
    }
    console.log(`EXPLAIN ANALYZE, ${SEEDED} files of one owner among 40,000 of others:\n  ${report.join("\n  ")}`);
  });

  it("walks every page in every order and returns each READY file exactly once, in order", { timeout: 180_000 }, async () => {
    const owner = await newOwner();
    await seedFiles(owner.id, SEEDED);
    const ready = (await sql.query(`SELECT count(*)::int AS n FROM "Upload" WHERE "ownerId" = $1 AND status = 'READY'`, [owner.id])).rows[0].n as number;
    expect(ready).toBe(SEEDED - SEEDED / 50);
    for (const o of ORDERS) {
      const { ids } = await walk(owner.client, `sort=${o.sort}&order=${o.order}&limit=200`);
      expect(ids.length, `${o.sort} ${o.order}`).toBe(ready);
      expect(new Set(ids).size).toBe(ready);
      expect(ids, `${o.sort} ${o.order}`).toEqual(await expectedIds(owner.id, o.column, o.order));
    }
    // The default: newest first, 50 a page, as the page shows them.
    const { ids, pages } = await walk(owner.client, "");
    expect(pages).toBe(Math.ceil(ready / 50));
    expect(ids).toEqual(await expectedIds(owner.id, `"createdAt"`, "desc"));
  });
});

describe("GET /api/files", () => {
  async function ownerWith(files: Array<{ name: string; type: string }>) {
    const owner = await newOwner();
    for (const [i, f] of files.entries()) {
      const id = randomUUID();
      await sql.query(
        `INSERT INTO "Upload" (id, "ownerId", key, name, size, "contentType", strategy, "partSize", "partCount", status, "expiresAt", "createdAt", sha256, "thumbnailNote")
         VALUES ($1, $2, $3, $4, 100, $5, 'SINGLE', 100, 1, 'READY', now(), timestamp '2026-03-01' + $6 * interval '1 second', ${SEEDED_JOB_RESULTS})`,
        [id, owner.id, `users/${owner.id}/${id}/f`, f.name, f.type, i],
      );
    }
    const names = async (query: string) => {
      const res = await owner.client.json("GET", `/api/files?${query}`);
      expect(res.status).toBe(200);
      return (res.body.files as Array<{ name: string }>).map((f) => f.name).sort();
    };
    return { owner, names };
  }

  it("searches names in any case, with % and _ taken as typed, and filters by kind", async () => {
    const { owner, names } = await ownerWith([
      { name: "Holiday Photo.PNG", type: "image/png" },
      { name: "holiday-notes.txt", type: "text/plain" },
      { name: "a_b.csv", type: "text/csv" },
      { name: "axb.csv", type: "text/csv" },
      { name: "50% off.pdf", type: "application/pdf" },
      { name: "clip.mp4", type: "video/mp4" },
      { name: "song.mp3", type: "audio/mpeg" },
      { name: "backup.zip", type: "application/zip" },
      { name: "logs.gz", type: "application/gzip" },
      { name: "report.docx", type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
      { name: "drawing.svg", type: "image/svg+xml" },
      { name: "tool.exe", type: "application/x-msdownload" },
    ]);
    expect(await names("q=HOLIDAY")).toEqual(["Holiday Photo.PNG", "holiday-notes.txt"]);
    expect(await names("q=a_b")).toEqual(["a_b.csv"]);
    expect(await names("q=50%25")).toEqual(["50% off.pdf"]);
    expect(await names("q=nothing-like-it")).toEqual([]);
    expect(await names("type=images")).toEqual(["Holiday Photo.PNG", "drawing.svg"]);
    expect(await names("type=video")).toEqual(["clip.mp4"]);
    expect(await names("type=audio")).toEqual(["song.mp3"]);
    expect(await names("type=documents")).toEqual(["50% off.pdf", "a_b.csv", "axb.csv", "holiday-notes.txt", "report.docx"]);
    expect(await names("type=archives")).toEqual(["backup.zip", "logs.gz"]);
    expect(await names("type=other")).toEqual(["tool.exe"]);
    expect(await names("q=holiday&type=documents")).toEqual(["holiday-notes.txt"]);
    // Empty fields (a GET form's) mean no filter.
    expect(await names("q=&type=")).toHaveLength(12);

    // Filters hold across pages: 5 documents, 2 a page.
    const { ids, pages } = await walk(owner.client, "type=documents&sort=name&order=asc&limit=2");
    expect(pages).toBe(3);
    expect(ids).toHaveLength(5);
  });

  it("refuses bad parameters with 422 and a message that names them", async () => {
    const { client } = await signedInClient(APP_URL);
    const refused = async (query: string, message: RegExp) => expectError(await client.json("GET", `/api/files?${query}`), 422, "invalid_input", message);
    await refused("sort=owner", /^sort:/);
    await refused("order=up", /^order:/);
    await refused("type=pictures", /^type:/);
    await refused("type=image%2Fpng", /^type:/);
    await refused("limit=0", /^limit:/);
    await refused("limit=201", /^limit:/);
    await refused("limit=ten", /^limit:/);
    await refused(`q=${"x".repeat(201)}`, /^q:/);
    await refused("cursor=not-a-cursor", /cursor is not one this API handed out/);
    // A cursor from another sort (a date where a size belongs), or an old-style id cursor.
    const dateCursor = encodeCursor({ value: new Date().toISOString(), id: randomUUID() });
    await refused(`sort=size&cursor=${dateCursor}`, /cursor is not one this API handed out/);
    await refused(`cursor=${encodeCursor({ value: "yesterday", id: randomUUID() })}`, /cursor is not one this API handed out/);
    await refused(`cursor=${randomUUID()}`, /cursor is not one this API handed out/);
    // The old parameters still work.
    const plain = await client.json("GET", "/api/files?limit=100");
    expect(plain).toMatchObject({ status: 200, body: { files: [], nextCursor: null } });
  });

  it("counts each file's live links in the list: not revoked, not expired, not used up", async () => {
    const { client, email } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, Buffer.from("shared often\n"), { name: "often.txt", type: "text/plain" });
    const { file: quiet } = await uploadFile(client, Buffer.from("never shared\n"), { name: "quiet.txt", type: "text/plain" });
    const share = async (body: Record<string, unknown> = {}) => {
      const res = await client.json("POST", `/api/files/${file.id}/shares`, body);
      expect(res.status).toBe(201);
      return res.body.share as { id: string; url: string };
    };
    await share();
    const revoked = await share();
    const usedUp = await share({ maxDownloads: 1 });
    const expired = await share();
    expect((await client.request(`/api/shares/${revoked.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await new ApiClient(APP_URL).request(new URL(usedUp.url).pathname + "/download")).status).toBe(302);
    await sql.query(`UPDATE "ShareLink" SET "expiresAt" = now() AT TIME ZONE 'UTC' - interval '1 minute' WHERE id = $1`, [expired.id]);

    const listed = (await client.json("GET", "/api/files")).body.files as Array<{ id: string; liveShareLinks: number }>;
    expect(Object.fromEntries(listed.map((f) => [f.id, f.liveShareLinks]))).toEqual({ [file.id]: 1, [quiet.id]: 0 });
    // The admin console counts them the same way (one query for both).
    const { client: admin } = await adminClient();
    const adminRows = (await admin.json("GET", `/api/admin/uploads?owner=${encodeURIComponent(email)}`)).body.uploads as Array<{
      id: string;
      liveShareLinks: number;
    }>;
    expect(Object.fromEntries(adminRows.map((u) => [u.id, u.liveShareLinks]))).toEqual({ [file.id]: 1, [quiet.id]: 0 });
  });
});

describe("GET /api/files/:id/thumbnail", () => {
  it("redirects to a short-lived inline URL of the generated WebP once a worker made it, and answers 404 for anything else", async () => {
    const { client, email } = await signedInClient(APP_URL);
    const { client: stranger } = await signedInClient(APP_URL);
    const { file: png } = await uploadFile(client, PNG_1X1, { name: "dot.png", type: "image/png" });
    const { file: text } = await uploadFile(client, Buffer.from("not a picture\n"), { name: "notes.txt", type: "text/plain" });
    const ownerId = await userIdOf(email);
    // A row for what cannot be uploaded by default: an SVG, which is never thumbnailed (a program, not pixels).
    const svg = randomUUID();
    await sql.query(
      `INSERT INTO "Upload" (id, "ownerId", key, name, size, "contentType", strategy, "partSize", "partCount", status, "expiresAt", "completedAt", sha256, "thumbnailNote")
       VALUES ($1, $2, $3, 'drawing.svg', 300, 'image/svg+xml', 'SINGLE', 300, 1, 'READY', now(), now(), ${SEEDED_JOB_RESULTS})`,
      [svg, ownerId, `users/${ownerId}/${svg}/drawing.svg`],
    );

    const ready = await waitForFile(client, png.id, (f) => f.thumbnail);
    expect(ready.thumbnail).toBe(true);
    const res = await client.request(`/api/files/${png.id}/thumbnail`);
    expect(res.status).toBe(302);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const location = new URL(res.headers.get("location")!);
    expect(location.origin).toBe(new URL(process.env.S3_ENDPOINT!).origin);
    expect(location.pathname).toMatch(new RegExp(`/thumbnails/${png.id}\\.webp$`));
    expect(location.searchParams.get("X-Amz-Expires")).toBe("60");
    expect(location.searchParams.get("response-content-disposition")).toMatch(/^inline/);
    const image = await fetch(location);
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/webp");
    expect(
      Buffer.from(await image.arrayBuffer())
        .subarray(8, 12)
        .toString("latin1"),
    ).toBe("WEBP");
    expect(await auditActions(png.id)).toContain("file.thumbnail_signed");

    for (const id of [text.id, svg]) expectError(await client.json("GET", `/api/files/${id}/thumbnail`), 404, "not_found");
    expectError(await stranger.json("GET", `/api/files/${png.id}/thumbnail`), 404, "not_found");
    expectError(await client.json("GET", `/api/files/${randomUUID()}/thumbnail`), 404, "not_found");
    expect((await new ApiClient(APP_URL).request(`/api/files/${png.id}/thumbnail`)).status).toBe(401);
  });
});

describe("POST /api/files/delete", () => {
  it("deletes the caller's files as single deletes do, reports ids that are not theirs, and touches nothing else", async () => {
    const { client } = await signedInClient(APP_URL);
    const { client: other, email: otherEmail } = await signedInClient(APP_URL);
    const upload = (name: string) => uploadFile(client, Buffer.from(`${name}\n`), { name, type: "text/plain" });
    const uploaded = [await upload("one.txt"), await upload("two.txt"), await upload("keep.txt"), await upload("odd.txt")] as const;
    const [one, two, keep, odd] = [uploaded[0].file, uploaded[1].file, uploaded[2].file, uploaded[3].file];
    const { file: theirs } = await uploadFile(other, Buffer.from("not yours\n"), { name: "theirs.txt", type: "text/plain" });
    const link = (await client.json("POST", `/api/files/${one.id}/shares`, {})).body.share as { url: string };
    // A quarantined file counts against the quota: it can be deleted too.
    await sql.query(`UPDATE "Upload" SET status = 'QUARANTINED' WHERE id = $1`, [odd.id]);
    const missing = randomUUID();

    const res = await unchanged([otherEmail], () =>
      client.json("POST", "/api/files/delete", { ids: [one.id, two.id, theirs.id, missing, odd.id, one.id.toUpperCase()] }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: [one.id, two.id, odd.id], notFound: [theirs.id, missing] });
    for (const u of uploaded.filter((x) => x.file.id !== keep.id)) {
      expect((await uploadRow(u.file.id))?.status).toBe("DELETED");
      expect(await bucket.headObject(u.upload.key)).toBeNull();
      expect(await auditActions(u.file.id)).toContain("file.deleted");
    }
    const { rows } = await sql.query(`SELECT detail FROM "AuditEvent" WHERE "uploadId" = $1 AND action = 'file.deleted'`, [one.id]);
    expect(rows).toEqual([{ detail: { linksRevoked: 1 } }]);
    expect((await new ApiClient(APP_URL).request(new URL(link.url).pathname + "/download")).status).toBe(410);
    expect((await uploadRow(keep.id))?.status).toBe("READY");
    expect(((await client.json("GET", "/api/files")).body.files as Array<{ id: string }>).map((f) => f.id)).toEqual([keep.id]);
    // Asking again: nothing left to delete.
    expect((await client.json("POST", "/api/files/delete", { ids: [one.id] })).body).toEqual({ deleted: [], notFound: [one.id] });
  });

  it("refuses an empty list, more than 100 ids, ids that are not ids, and a body that is not JSON — changing nothing", async () => {
    const { client, email } = await signedInClient(APP_URL);
    const { file } = await uploadFile(client, Buffer.from("stays\n"), { name: "stays.txt", type: "text/plain" });
    await unchanged([email], async () => {
      expectError(await client.json("POST", "/api/files/delete", { ids: [] }), 422, "invalid_input", /^ids:/);
      expectError(
        await client.json("POST", "/api/files/delete", { ids: [file.id, ...Array.from({ length: 100 }, () => randomUUID())] }),
        422,
        "invalid_input",
        /at most 100/,
      );
      expectError(await client.json("POST", "/api/files/delete", { ids: [file.id, "../etc"] }), 422, "invalid_input", /^ids\.1:/);
      expectError(await client.json("POST", "/api/files/delete", {}), 422, "invalid_input", /^ids:/);
      expectError(
        await client.json("POST", "/api/files/delete", `ids=${file.id}`, { "content-type": "application/x-www-form-urlencoded" }),
        415,
        "unsupported_media_type",
      );
      expect((await new ApiClient(APP_URL).json("POST", "/api/files/delete", { ids: [file.id] })).status).toBe(401);
    });
    expect((await uploadRow(file.id))?.status).toBe("READY");
  });
});
