// Command-line uploader: the same valet flow as the browser, for scripts and servers.
//
//   VALET_URL=https://files.example.com VALET_TOKEN=valet_… npm run upload -- ./report.pdf [--type application/pdf]
//
// Reserves the upload, asks Valet to sign each storage request, sends the bytes (parts four at a
// time) straight to storage, and lets Valet verify the result. Prints the file id and a
// download command. Exit code 0 only when the file is READY.
import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

const TYPES: Record<string, string> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".md": "text/markdown",
  ".json": "application/json",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".mp3": "audio/mpeg",
  ".ogg": "audio/ogg",
  ".wav": "audio/wav",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".mov": "video/quicktime",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
};
const PART_CONCURRENCY = 4;
const SIGN_BATCH = 100;

interface Reservation {
  id: string;
  key: string;
  strategy: "single" | "multipart";
  partSize: number;
  maxParts: number;
}
interface Signed {
  url: string;
  headers?: Record<string, string>;
}

class CliError extends Error {}

function client(baseUrl: string, token: string) {
  return async function api<T>(method: string, route: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(route, baseUrl), {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CliError(`Cannot reach ${baseUrl}: ${(error as Error).message}`);
    }
    const data = (await res.json().catch(() => null)) as (T & { error?: { code: string; message: string } }) | null;
    if (!res.ok) throw new CliError(`${method} ${route} → ${res.status} ${data?.error?.code ?? ""}: ${data?.error?.message ?? "no details"}`);
    return data as T;
  };
}

const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("base64");

async function toStorage(url: string, init: RequestInit, what: string): Promise<Response> {
  const res = await fetch(url, init);
  if (!res.ok) throw new CliError(`Storage refused ${what}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res;
}

export async function uploadPath(args: { file: string; baseUrl: string; token: string; type?: string; log?: (line: string) => void }) {
  const log = args.log ?? (() => undefined);
  const api = client(args.baseUrl, args.token);
  const { size } = await stat(args.file);
  const name = path.basename(args.file);
  const type = args.type ?? TYPES[path.extname(name).toLowerCase()] ?? "application/octet-stream";
  const { upload } = await api<{ upload: Reservation }>("POST", "/api/uploads", { name, size, type });
  const handle = await open(args.file, "r");
  const read = async (offset: number, length: number) => {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, offset);
    return buffer;
  };
  try {
    if (upload.strategy === "single") {
      const body = await read(0, size);
      const signed = await api<Signed>("POST", `/api/uploads/${upload.id}/sign`, { method: "PUT", key: upload.key, contentType: type, contentMd5: md5(body) });
      await toStorage(signed.url, { method: "PUT", headers: signed.headers, body }, "the upload");
    } else {
      const created = await api<Signed>("POST", `/api/uploads/${upload.id}/sign`, { method: "POST", key: upload.key });
      const xml = await (await toStorage(created.url, { method: "POST", headers: created.headers }, "creating the multipart upload")).text();
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(xml)?.[1];
      if (!uploadId) throw new CliError(`Storage did not return an UploadId: ${xml.slice(0, 300)}`);
      const etags: string[] = [];
      let sent = 0;
      let completeUrl: string | undefined;
      for (let first = 1; first <= upload.maxParts; first += SIGN_BATCH) {
        const last = Math.min(first + SIGN_BATCH - 1, upload.maxParts);
        // Each part URL is signed with the MD5 of the part as read now: storage refuses the part if
        // the bytes sent later differ (the file changed, or they were damaged on the way).
        const requests: unknown[] = [];
        for (let n = first; n <= last; n++) {
          const offset = (n - 1) * upload.partSize;
          const contentMd5 = md5(await read(offset, Math.min(upload.partSize, size - offset)));
          requests.push({ method: "PUT", key: upload.key, uploadId, partNumber: n, contentMd5 });
        }
        const isLastBatch = last === upload.maxParts && requests.length < SIGN_BATCH;
        if (isLastBatch) requests.push({ method: "POST", key: upload.key, uploadId });
        const { results } = await api<{ results: Signed[] }>("POST", `/api/uploads/${upload.id}/sign`, { requests });
        if (isLastBatch) completeUrl = results.at(-1)!.url;
        let next = first;
        const worker = async () => {
          while (next <= last) {
            const n = next++;
            const offset = (n - 1) * upload.partSize;
            const body = await read(offset, Math.min(upload.partSize, size - offset));
            const signed = results[n - first]!;
            const res = await toStorage(signed.url, { method: "PUT", headers: signed.headers, body }, `part ${n}`);
            etags[n - 1] = res.headers.get("etag") ?? "";
            sent += body.length;
            log(`  ${Math.round((sent / size) * 100)}% (${n}/${upload.maxParts} parts)`);
          }
        };
        await Promise.all(Array.from({ length: PART_CONCURRENCY }, worker));
      }
      completeUrl ??= (await api<Signed>("POST", `/api/uploads/${upload.id}/sign`, { method: "POST", key: upload.key, uploadId })).url;
      const parts = etags.map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join("");
      await toStorage(completeUrl, { method: "POST", headers: { "content-type": "application/xml" }, body: `<CompleteMultipartUpload>${parts}</CompleteMultipartUpload>` }, "completing");
    }
  } finally {
    await handle.close();
  }
  const { file } = await api<{ file: { id: string; name: string; size: number; type: string } }>("POST", `/api/uploads/${upload.id}/complete`);
  return file;
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { url: { type: "string" }, token: { type: "string" }, type: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const baseUrl = values.url ?? process.env.VALET_URL;
  const token = values.token ?? process.env.VALET_TOKEN;
  if (values.help || positionals.length !== 1 || !baseUrl || !token) {
    console.error("usage: VALET_URL=https://valet.example VALET_TOKEN=valet_… npm run upload -- FILE [--type MEDIA/TYPE]");
    console.error("       (or --url and --token). Create a token on the app's API tokens page.");
    process.exit(2);
  }
  const file = await uploadPath({ file: positionals[0]!, baseUrl, token, type: values.type, log: (line) => process.stderr.write(`${line}\n`) });
  console.log(`uploaded ${file.name} (${file.size} bytes, ${file.type})`);
  console.log(`file id: ${file.id}`);
  console.log(`download: curl -fL -H "Authorization: Bearer $VALET_TOKEN" -o '${file.name.replace(/'/g, "'\\''")}' ${new URL(`/api/files/${file.id}/download`, baseUrl)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof CliError ? `valet upload: ${error.message}` : error);
    process.exit(1);
  });
}
