// Command-line uploader: the same valet flow as the browser, for scripts and servers.
//
//   VALET_URL=https://files.example.com VALET_TOKEN=valet_… npm run upload -- ./report.pdf [--type application/pdf]
//
// Reserves the upload, asks Valet to sign each storage request, sends the bytes (several parts at
// a time, each with its MD5) straight to storage, and lets Valet verify the result
// (lib/upload-flow.ts). Prints the file id and a download command. Exit code 0 only when the file
// is READY.
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";

import { mediaTypeForName } from "../lib/media-types";
import { PartFailedError } from "../lib/part-scheduler";
import { ApiError, createValetApi, type Transport } from "../lib/upload-client";
import { DEFAULT_PART_CONCURRENCY, StorageRequestError, uploadThroughValet } from "../lib/upload-flow";
import { planUpload } from "../lib/upload-policy";

function bearerTransport(baseUrl: string, token: string): Transport {
  return (route, init) =>
    fetch(new URL(route, baseUrl), {
      method: init.method,
      headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { "content-type": "application/json" }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
}

export async function uploadPath(args: {
  file: string;
  baseUrl: string;
  token: string;
  type?: string;
  partConcurrency?: number;
  log?: (line: string) => void;
}) {
  const { size } = await stat(args.file);
  const name = path.basename(args.file);
  const plan = planUpload(size);
  let partsDone = 0;
  const handle = await open(args.file, "r");
  // Parts are read when they are hashed and again when they are sent: never the whole file at once.
  const source = {
    size,
    slice: (start: number, end: number) => ({
      arrayBuffer: async () => {
        const buffer = Buffer.alloc(end - start);
        await handle.read(buffer, 0, buffer.length, start);
        return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.length);
      },
    }),
  };
  try {
    const { file } = await uploadThroughValet({
      api: createValetApi(bearerTransport(args.baseUrl, args.token)),
      source,
      name,
      type: args.type ?? mediaTypeForName(name),
      partConcurrency: args.partConcurrency,
      retry: { maxWaitMs: 60_000, onWait: () => args.log?.("  Valet is unreachable; retrying…") },
      afterPart: async (n) => void args.log?.(`  ${Math.round((Math.min(n * plan.partSize, size) / size) * 100)}% (${++partsDone}/${plan.partCount} parts)`),
    });
    return file;
  } finally {
    await handle.close();
  }
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      type: { type: "string" },
      parallel: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const baseUrl = values.url ?? process.env.VALET_URL;
  const token = values.token ?? process.env.VALET_TOKEN;
  const parallel = values.parallel === undefined ? DEFAULT_PART_CONCURRENCY : Number(values.parallel);
  if (values.help || positionals.length !== 1 || !baseUrl || !token || !Number.isInteger(parallel) || parallel < 1 || parallel > 32) {
    console.error("usage: VALET_URL=https://valet.example VALET_TOKEN=valet_… npm run upload -- FILE [--type MEDIA/TYPE] [--parallel 1..32]");
    console.error("       (or --url and --token). Create a token on the app's API tokens page.");
    process.exit(2);
  }
  const file = await uploadPath({
    file: positionals[0]!,
    baseUrl,
    token,
    type: values.type,
    partConcurrency: parallel,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(`uploaded ${file.name} (${file.size} bytes, ${file.type})`);
  console.log(`file id: ${file.id}`);
  console.log(
    `download: curl -fL -H "Authorization: Bearer $VALET_TOKEN" -o '${file.name.replace(/'/g, "'\\''")}' ${new URL(`/api/files/${file.id}/download`, baseUrl)}`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const known = error instanceof ApiError || error instanceof StorageRequestError || error instanceof PartFailedError;
    console.error(known ? `valet upload: ${(error as Error).message}` : error);
    process.exit(1);
  });
}
