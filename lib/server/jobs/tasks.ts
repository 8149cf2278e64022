import "server-only";

import { createHash } from "node:crypto";
import type { JobHelpers } from "graphile-worker";
import sharp, { type Metadata } from "sharp";

import type { Upload } from "@/generated/prisma/client";
import { formatBytes, formatCount } from "@/lib/format";
import { THUMBNAIL_SOURCE_TYPES } from "@/lib/media-types";
import { MiB } from "@/lib/units";

import { db } from "../db";
import { env } from "../env";
import { statusOf, storage, THUMBNAIL_PREFIX } from "../storage";
import { deliverWebhook } from "../webhook-delivery";
import { enqueueEvent, webhookFile } from "../webhooks";
import type { TaskName } from "./queue";

// What each job does. A job is taken once by one worker; when it throws, it is tried again later
// (queue.ts), so each is safe to run twice: it reads the row, does its work, and writes the result
// only while the row still wants it.

// One libvips thread per image, so WORKER_CONCURRENCY bounds the cores thumbnails take from the
// app (libvips' default is one per core, per image); no cache of decoded images between jobs.
sharp.concurrency(1);
sharp.cache(false);

/** The longest side of a thumbnail, in pixels (shown at up to 160 CSS px on a 2x screen). */
export const THUMBNAIL_SIZE = 320;

type Handler = (payload: unknown, helpers: JobHelpers) => Promise<void>;

function uploadIdOf(payload: unknown): string {
  const id = (payload as { uploadId?: unknown } | null)?.uploadId;
  if (typeof id !== "string") throw new Error("The job names no upload.");
  return id;
}

/** The READY upload a job is for, or null when it is gone (deleted since, or never READY): nothing to do. */
async function readyUpload(payload: unknown): Promise<Upload | null> {
  return db().upload.findFirst({ where: { id: uploadIdOf(payload), status: "READY" } });
}

/** The verified bytes of an upload, streamed from storage (never through a request of the app's). */
async function readVerified(upload: Upload): Promise<AsyncIterable<Uint8Array>> {
  try {
    return await storage().readObject(upload.key, { versionId: upload.versionId, etag: upload.versionId ? null : upload.etag });
  } catch (error) {
    // The job's last error is what the admin's Jobs page shows: S3's own message for a missing
    // object is "UnknownError".
    const status = statusOf(error);
    if (status === 404) throw new Error(`The object ${upload.key} is missing from storage.`, { cause: error });
    if (status === 412) throw new Error(`The object ${upload.key} is no longer the verified one (its ETag changed).`, { cause: error });
    throw error;
  }
}

/**
 * The whole object's SHA-256, read in one pass. Then the file counts as ready for integrations:
 * the upload.ready event (with the digest) is queued with the row change.
 */
async function checksum(payload: unknown): Promise<void> {
  const upload = await readyUpload(payload);
  if (!upload || upload.sha256) return;
  const hash = createHash("sha256");
  let read = 0;
  for await (const chunk of await readVerified(upload)) {
    hash.update(chunk);
    read += chunk.byteLength;
  }
  if (read !== Number(upload.size)) throw new Error(`Storage sent ${read} bytes of ${upload.size}.`);
  const sha256 = hash.digest("hex");
  await db().$transaction(async (tx) => {
    const moved = await tx.upload.updateMany({ where: { id: upload.id, status: "READY", sha256: null }, data: { sha256 } });
    if (moved.count === 1) await enqueueEvent(tx, "upload.ready", { file: webhookFile({ ...upload, sha256 }) });
  });
}

/** Where an upload's thumbnail lives: beside no user's files, so no upload URL can ever reach it. */
export const thumbnailKey = (uploadId: string) => `${THUMBNAIL_PREFIX}${uploadId}.webp`;

/**
 * A WebP at most THUMBNAIL_SIZE on its longest side, from the first frame, turned upright (EXIF),
 * metadata dropped. Refuses images over THUMBNAIL_MAX_PIXELS before decoding them; an image the
 * decoder cannot read gets a note instead of a thumbnail (trying again would not help).
 */
async function thumbnail(payload: unknown): Promise<void> {
  const upload = await readyUpload(payload);
  if (!upload || upload.thumbnailKey || upload.thumbnailNote) return;
  if (!THUMBNAIL_SOURCE_TYPES.has(upload.contentType)) return;
  const maxPixels = env().THUMBNAIL_MAX_PIXELS;
  // The image is read whole into memory: no file larger than an uncompressed image within the
  // pixel limit could be one (4 bytes a pixel, and room for metadata).
  const maxBytes = maxPixels * 4 + 16 * MiB;
  if (Number(upload.size) > maxBytes) {
    await noteThumbnail(upload.id, `No thumbnail: the file is ${formatBytes(Number(upload.size))}, more than an image Valet decodes can be.`);
    return;
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of await readVerified(upload)) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  let note: string | null = null;
  let webp: Buffer | null = null;
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    const pixels = (meta.width ?? 0) * (meta.pageHeight ?? meta.height ?? 0);
    const memory = decodeMemory(meta, pixels);
    if (pixels > maxPixels) {
      note = `No thumbnail: the image has ${formatCount(pixels)} pixels, more than the ${formatCount(maxPixels)} Valet decodes.`;
    } else if (memory > maxPixels * DECODE_BYTES_PER_PIXEL) {
      note = `No thumbnail: decoding this ${meta.format?.toUpperCase() ?? "image"} would take about ${formatBytes(memory)} of memory, more than the ${formatBytes(maxPixels * DECODE_BYTES_PER_PIXEL)} Valet allows.`;
    } else {
      webp = await sharp(bytes, { limitInputPixels: maxPixels, pages: 1 })
        .rotate()
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: "inside", withoutEnlargement: true })
        .webp({ quality: 75 })
        .toBuffer();
    }
  } catch (error) {
    note = `No thumbnail: the image could not be decoded (${(error as Error).message}).`;
  }
  if (!webp) return noteThumbnail(upload.id, note ?? "No thumbnail.");
  const key = thumbnailKey(upload.id);
  await storage().putObject(key, webp, "image/webp");
  const moved = await db().upload.updateMany({
    where: { id: upload.id, status: "READY", thumbnailKey: null, thumbnailNote: null },
    data: { thumbnailKey: key },
  });
  // Deleted while the thumbnail was being made: it goes too.
  if (moved.count === 0 && !(await db().upload.findFirst({ where: { id: upload.id, status: "READY" } }))) await storage().deleteObject(key);
}

/** The memory budget of one decode: THUMBNAIL_MAX_PIXELS pixels of 8-bit RGBA. */
const DECODE_BYTES_PER_PIXEL = 4;
/**
 * libheif decodes AVIF only at full size, into buffers of its own that libvips then copies:
 * measured ~4× the image's own bytes (a 1.7 KB 7071² 12-bit RGBA AVIF peaked at 1.1 GiB).
 */
const HEIF_DECODE_OVERHEAD = 4;

/** What decoding the image would take: its pixels at their channels and sample size, with the decoder's overhead. */
function decodeMemory(meta: Metadata, pixels: number): number {
  const bitsPerSample = meta.bitsPerSample ?? (meta.depth === "ushort" || meta.depth === "short" ? 16 : 8);
  const bytes = pixels * (meta.channels ?? 4) * (bitsPerSample > 8 ? 2 : 1);
  return meta.format === "heif" ? bytes * HEIF_DECODE_OVERHEAD : bytes;
}

/** Why an image gets no thumbnail; final (a retry would decide the same). */
async function noteThumbnail(uploadId: string, note: string): Promise<void> {
  await db().upload.updateMany({ where: { id: uploadId, status: "READY", thumbnailKey: null, thumbnailNote: null }, data: { thumbnailNote: note } });
}

export const taskHandlers: Record<TaskName, Handler> = {
  checksum,
  thumbnail,
  webhook: deliverWebhook,
};
