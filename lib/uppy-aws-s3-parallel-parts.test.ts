// Tests for patches/@uppy+aws-s3+6.3.1.patch: multipart parts go up in parallel, and the plugin's
// `limit` bounds storage requests (not files). They drive the patched files in node_modules
// directly — S3Uploader with a fake s3Client, and the AwsS3 plugin with S3mini's methods stubbed —
// with a real TaskQueue and a real Uppy (it runs in Node). Without the patch they fail.
import AwsS3 from "@uppy/aws-s3";
import Uppy from "@uppy/core";
import { TaskQueue, type LocalUppyFile } from "@uppy/core/utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import S3mini from "../node_modules/@uppy/aws-s3/lib/s3-client/S3mini.js";
// The package's exports map only exposes ".", so the internals are imported by path: the same
// files (the same module instances) that lib/index.js imports.
import S3Uploader from "../node_modules/@uppy/aws-s3/lib/S3Uploader.js";

const MiB = 1024 * 1024;
/** S3's minimum part size, which S3Uploader enforces. */
const PART = 5 * MiB;
/** One file of ten parts, shared by every test (the bytes are never read). */
const TEN_PARTS = new Blob([new Uint8Array(10 * PART)]);

type Op = "putObject" | "createMultipartUpload" | "uploadPart" | "listParts" | "completeMultipartUpload" | "abortMultipartUpload";
type Params = Record<string, any> & { signal?: AbortSignal; onProgress?: (bytes: number, total: number) => void };

interface Call {
  op: Op;
  params: Params;
  settled: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * A storage client whose every request is a promise the test controls. Requests reject with an
 * AbortError when their signal aborts (as S3mini's XHR does), unless their op is in `hang`: then
 * they ignore it, like a `signRequest` that never answers. `auto` answers an op by itself.
 */
class FakeS3 {
  readonly calls: Call[] = [];
  readonly hang = new Set<Op>();
  readonly auto: Partial<Record<Op, (params: Params) => unknown>> = {};
  /** Parts storage has, for ListParts. */
  readonly stored = new Map<number, string>();
  private running = 0;
  maxRunning = 0;

  readonly client = {
    putObject: (p: Params) => this.call("putObject", p),
    createMultipartUpload: (p: Params) => this.call("createMultipartUpload", p),
    uploadPart: (p: Params) => this.call("uploadPart", p),
    listParts: (p: Params) => this.call("listParts", p),
    completeMultipartUpload: (p: Params) => this.call("completeMultipartUpload", p),
    abortMultipartUpload: (p: Params) => this.call("abortMultipartUpload", p),
  };

  /** Answers that storage would give (`etag-N` for part N). */
  static answers: Record<Op, (p: Params) => unknown> = {
    putObject: (p) => ({ location: `https://s3.test/${p.key}`, key: p.key, etag: "put" }),
    createMultipartUpload: (p) => ({ uploadId: "mpu-1", key: p.key }),
    uploadPart: (p) => ({ etag: `etag-${p.partNumber}` }),
    listParts: () => [],
    completeMultipartUpload: (p) => ({ location: `https://s3.test/${p.key}`, key: p.key, bucket: "b" }),
    abortMultipartUpload: () => undefined,
  };

  private call(op: Op, params: Params): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const counted = op !== "completeMultipartUpload" && op !== "abortMultipartUpload";
      if (counted) this.maxRunning = Math.max(this.maxRunning, ++this.running);
      const call: Call = {
        op,
        params,
        settled: false,
        resolve: (value) => {
          if (call.settled) return;
          call.settled = true;
          if (counted) this.running--;
          if (op === "uploadPart") this.stored.set(params.partNumber, (value as { etag: string }).etag);
          resolve(value);
        },
        reject: (error: Error) => {
          if (call.settled) return;
          call.settled = true;
          if (counted) this.running--;
          reject(error);
        },
      };
      this.calls.push(call);
      if (!this.hang.has(op)) params.signal?.addEventListener("abort", () => call.reject(new DOMException("Aborted", "AbortError")));
      const auto = this.auto[op];
      if (auto)
        setImmediate(
          () =>
            void Promise.resolve(auto(params)).then(
              (value) => call.resolve(value),
              (error: unknown) => call.reject(error),
            ),
        );
    });
  }

  /** Answers `call` as storage would. */
  answer(call: Call): void {
    call.resolve(FakeS3.answers[call.op](call.params));
  }

  /** Answers every `op` by itself from now on (after `delay` ms, if given). */
  autoAnswer(op: Op, delay?: (p: Params) => number): void {
    this.auto[op] = async (p) => {
      if (delay) await new Promise((resolve) => setTimeout(resolve, delay(p)));
      return op === "listParts" ? this.listed() : FakeS3.answers[op](p);
    };
  }

  private listed() {
    return [...this.stored].map(([partNumber, etag]) => ({ partNumber, etag }));
  }

  of(op: Op): Call[] {
    return this.calls.filter((c) => c.op === op);
  }

  open(op: Op): Call[] {
    return this.of(op).filter((c) => !c.settled);
  }

  partNumbers(): number[] {
    return this.of("uploadPart").map((c) => c.params.partNumber as number);
  }
}

/** Lets queued work, aborts and answers run their course. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 2));
}

function addFile(uppy: Uppy, name: string, data: Blob): LocalUppyFile<Record<string, never>, Record<string, never>> {
  const id = uppy.addFile({ name, type: "application/octet-stream", data });
  return uppy.getFile(id) as LocalUppyFile<Record<string, never>, Record<string, never>>;
}

type UploaderOptions = ConstructorParameters<typeof S3Uploader>[0];

/** One S3Uploader on `queue`, recording what it reports. */
function uploader(
  s3: FakeS3,
  queue: TaskQueue,
  opts: { uppy?: Uppy; data?: Blob; multipart?: boolean; name?: string; resume?: { uploadId: string; key: string } } = {},
) {
  const uppy = opts.uppy ?? new Uppy();
  let file = addFile(uppy, opts.name ?? "big.bin", opts.data ?? TEN_PARTS);
  if (opts.resume) {
    // What Golden Retriever restores after a reload.
    uppy.setFileState(file.id, { s3Multipart: opts.resume });
    file = uppy.getFile(file.id) as typeof file;
  }
  const progress: number[] = [];
  const parts: number[] = [];
  const onSuccess = vi.fn();
  const onError = vi.fn();
  const onAbort = vi.fn();
  const instance = new S3Uploader({
    uppy,
    s3Client: s3.client as unknown as UploaderOptions["s3Client"],
    queue,
    file,
    metadata: {},
    requestedKey: `pending/${file.id}`,
    shouldUseMultipart: opts.multipart ?? true,
    getChunkSize: () => PART,
    onProgress: (bytes) => progress.push(bytes),
    onPartComplete: (part) => parts.push(part.PartNumber),
    onSuccess,
    onError,
    onAbort,
  });
  return { uppy, file, instance, progress, parts, onSuccess, onError, onAbort };
}

describe("S3Uploader (patched): parts through the shared queue", () => {
  it("keeps `limit` uploadPart requests in flight, never more", async () => {
    const s3 = new FakeS3();
    s3.autoAnswer("createMultipartUpload");
    s3.autoAnswer("uploadPart", (p) => 1 + (p.partNumber % 3));
    s3.autoAnswer("completeMultipartUpload");
    const queue = new TaskQueue({ concurrency: 4 });
    const up = uploader(s3, queue);

    await up.instance.start();

    expect(up.onError).not.toHaveBeenCalled();
    expect(up.onSuccess).toHaveBeenCalledTimes(1);
    expect(s3.partNumbers().sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Unpatched, parts went one after another: at most one in flight.
    expect(s3.maxRunning).toBeGreaterThan(1);
    expect(s3.maxRunning).toBeLessThanOrEqual(4);
    expect(s3.maxRunning).toBe(4);
    expect(queue.running).toBe(0);
  });

  it("completes once, with every part sorted by number, when parts finish out of order", async () => {
    const s3 = new FakeS3();
    s3.autoAnswer("createMultipartUpload");
    s3.autoAnswer("completeMultipartUpload");
    const queue = new TaskQueue({ concurrency: 4 });
    const up = uploader(s3, queue);
    const done = up.instance.start();

    // Answer whatever is in flight, last started first, until every part is in.
    while (s3.stored.size < 10) {
      await settle();
      const open = s3.open("uploadPart");
      expect(open.length).toBeLessThanOrEqual(4);
      for (const call of open.reverse()) s3.answer(call);
    }
    await done;

    expect(up.parts).not.toEqual([...up.parts].sort((a, b) => a - b));
    const complete = s3.of("completeMultipartUpload");
    expect(complete).toHaveLength(1);
    expect(complete[0]!.params.uploadId).toBe("mpu-1");
    expect(complete[0]!.params.parts).toEqual(Array.from({ length: 10 }, (_, i) => ({ partNumber: i + 1, etag: `etag-${i + 1}` })));
    expect(up.onSuccess).toHaveBeenCalledTimes(1);
    const key = `pending/${up.file.id}`;
    expect(complete[0]!.params.key).toBe(key);
    expect(up.onSuccess).toHaveBeenCalledWith({ location: `https://s3.test/${key}`, key, uploadId: "mpu-1" });
    expect(up.progress.at(-1)).toBe(10 * PART);
  });

  it("on a failed part, aborts the attempt's other parts; start() again sends only the parts without an etag", async () => {
    const s3 = new FakeS3();
    s3.autoAnswer("createMultipartUpload");
    s3.autoAnswer("completeMultipartUpload");
    const queue = new TaskQueue({ concurrency: 4 });
    const up = uploader(s3, queue);
    void up.instance.start();

    await settle();
    expect(s3.partNumbers()).toEqual([1, 2, 3, 4]);
    s3.answer(s3.of("uploadPart")[0]!);
    s3.answer(s3.of("uploadPart")[1]!);
    await settle();
    expect(s3.partNumbers()).toEqual([1, 2, 3, 4, 5, 6]);
    // Part 3 is half way when part 4 fails.
    s3.of("uploadPart")[2]!.params.onProgress!(PART / 2, PART);
    expect(up.progress.at(-1)).toBe(2.5 * PART);
    const failure = Object.assign(new Error("S3 returned 500"), { status: 500 });
    s3.of("uploadPart")[3]!.reject(failure);
    await settle();

    expect(up.onError).toHaveBeenCalledTimes(1);
    expect(up.onError).toHaveBeenCalledWith(failure);
    // Parts 3, 5 and 6 were aborted; 7 to 10 never started; the queue is free.
    for (const n of [3, 5, 6]) expect(s3.of("uploadPart").find((c) => c.params.partNumber === n)!.params.signal!.aborted).toBe(true);
    expect(s3.open("uploadPart")).toEqual([]);
    expect(s3.partNumbers()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(queue.running).toBe(0);
    expect(queue.pending).toBe(0);

    // Retry: storage is asked which parts it has, and only the others are sent.
    s3.autoAnswer("listParts");
    s3.autoAnswer("uploadPart");
    const firstProgressOfRetry = up.progress.length;
    await up.instance.start();

    expect(up.onSuccess).toHaveBeenCalledTimes(1);
    expect(up.onError).toHaveBeenCalledTimes(1);
    expect(
      s3
        .partNumbers()
        .slice(6)
        .sort((a, b) => a - b),
    ).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s3.partNumbers().filter((n) => n === 1 || n === 2)).toEqual([1, 2]);
    expect(s3.of("completeMultipartUpload")).toHaveLength(1);
    expect(s3.of("completeMultipartUpload")[0]!.params.parts).toHaveLength(10);
    // Part 3's half is forgotten when the retry starts; progress never over-counts.
    expect(up.progress[firstProgressOfRetry]).toBe(2 * PART);
    expect(Math.max(...up.progress)).toBe(10 * PART);
    expect(up.progress.at(-1)).toBe(10 * PART);
  });

  it("abort(): no part starts after it, its queue slots go to others, the multipart upload is aborted", async () => {
    const s3 = new FakeS3();
    s3.autoAnswer("createMultipartUpload");
    const queue = new TaskQueue({ concurrency: 4 });
    const uppy = new Uppy();
    const a = uploader(s3, queue, { uppy });
    void a.instance.start();
    await settle();
    expect(s3.open("uploadPart")).toHaveLength(4);

    // A second file's request waits behind the first file's six queued parts.
    const b = uploader(s3, queue, { uppy, name: "small.bin", data: new Blob(["hello"]), multipart: false });
    void b.instance.start();
    await settle();
    expect(s3.of("putObject")).toHaveLength(0);

    a.instance.abort();
    await settle();

    expect(s3.partNumbers()).toEqual([1, 2, 3, 4]);
    expect(s3.of("uploadPart").every((c) => c.params.signal!.aborted)).toBe(true);
    expect(s3.of("abortMultipartUpload").map((c) => c.params)).toEqual([{ key: `pending/${a.file.id}`, uploadId: "mpu-1" }]);
    expect(a.onAbort).toHaveBeenCalledTimes(1);
    expect(a.onError).not.toHaveBeenCalled();
    expect(a.onSuccess).not.toHaveBeenCalled();

    expect(s3.of("putObject")).toHaveLength(1);
    s3.answer(s3.of("putObject")[0]!);
    await settle();
    expect(b.onSuccess).toHaveBeenCalledTimes(1);
    expect(s3.partNumbers()).toEqual([1, 2, 3, 4]);
    expect(queue.running).toBe(0);
    expect(queue.pending).toBe(0);
  });

  it("pausing releases the slot of a request that hangs, and resuming goes on from storage's parts", async () => {
    const s3 = new FakeS3();
    s3.autoAnswer("createMultipartUpload");
    s3.autoAnswer("completeMultipartUpload");
    s3.hang.add("uploadPart"); // ignores its signal, like a signRequest that never answers
    const queue = new TaskQueue({ concurrency: 1 });
    const uppy = new Uppy();
    const a = uploader(s3, queue, { uppy, data: TEN_PARTS.slice(0, 3 * PART) });
    void a.instance.start();
    await settle();
    expect(s3.partNumbers()).toEqual([1]);

    const b = uploader(s3, queue, { uppy, name: "small.bin", data: new Blob(["hello"]), multipart: false });
    void b.instance.start();
    await settle();
    expect(s3.of("putObject")).toHaveLength(0);

    uppy.emit("upload-pause", uppy.getFile(a.file.id), true);
    await settle();
    // The hung part still holds nothing: the other file's request runs.
    expect(s3.open("uploadPart")).toHaveLength(1);
    expect(s3.of("putObject")).toHaveLength(1);
    s3.answer(s3.of("putObject")[0]!);
    await settle();
    expect(b.onSuccess).toHaveBeenCalledTimes(1);
    expect(s3.partNumbers()).toEqual([1]);

    s3.hang.delete("uploadPart");
    s3.autoAnswer("uploadPart");
    s3.autoAnswer("listParts");
    uppy.emit("upload-pause", uppy.getFile(a.file.id), false);
    await vi.waitFor(() => expect(a.onSuccess).toHaveBeenCalledTimes(1));
    expect(s3.of("listParts")).toHaveLength(1);
    expect(s3.partNumbers()).toEqual([1, 1, 2, 3]);

    // The hung request answering at last changes nothing.
    s3.answer(s3.of("uploadPart")[0]!);
    await settle();
    expect(a.onSuccess).toHaveBeenCalledTimes(1);
    expect(a.onError).not.toHaveBeenCalled();
    expect(s3.of("completeMultipartUpload")).toHaveLength(1);
    expect(queue.running).toBe(0);
  });

  it("a 412 on a single PUT reaches onError as is (the app treats it as already stored)", async () => {
    const s3 = new FakeS3();
    const queue = new TaskQueue({ concurrency: 4 });
    const up = uploader(s3, queue, { data: new Blob(["hello"]), multipart: false });
    const done = up.instance.start();
    await settle();
    const preconditionFailed = Object.assign(new Error("S3 returned 412 – PreconditionFailed"), { status: 412 });
    s3.of("putObject")[0]!.reject(preconditionFailed);
    await done;

    expect(up.onError).toHaveBeenCalledTimes(1);
    expect(up.onError.mock.calls[0]![0]).toBe(preconditionFailed);
    expect(queue.running).toBe(0);
  });

  it("resumes after a reload (file.s3Multipart) from ListParts, sending only the missing parts in parallel", async () => {
    const s3 = new FakeS3();
    for (let n = 1; n <= 7; n++) s3.stored.set(n, `etag-${n}`);
    s3.autoAnswer("listParts");
    s3.autoAnswer("uploadPart", () => 1);
    s3.autoAnswer("completeMultipartUpload");
    const queue = new TaskQueue({ concurrency: 4 });
    const up = uploader(s3, queue, { resume: { uploadId: "mpu-1", key: "users/u1/big.bin" } });

    await up.instance.start();

    expect(s3.of("createMultipartUpload")).toHaveLength(0);
    expect(s3.of("listParts")[0]!.params).toMatchObject({ uploadId: "mpu-1", key: "users/u1/big.bin" });
    expect(s3.partNumbers().sort((a, b) => a - b)).toEqual([8, 9, 10]);
    expect(s3.maxRunning).toBe(3);
    expect(s3.of("completeMultipartUpload")[0]!.params.parts).toHaveLength(10);
    expect(up.onSuccess).toHaveBeenCalledWith({ location: "https://s3.test/users/u1/big.bin", key: "users/u1/big.bin", uploadId: "mpu-1" });
    expect(up.uppy.getFile(up.file.id).s3Multipart).toBeUndefined();
  });
});

describe("AwsS3 plugin (patched): `limit` bounds requests, not files", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** The plugin builds its own S3mini: its request methods are replaced with the fake's. */
  function stubS3mini(fake: FakeS3) {
    for (const op of Object.keys(fake.client) as Op[]) {
      vi.spyOn(S3mini.prototype, op).mockImplementation(fake.client[op] as never);
    }
  }

  function plugin(limit: number) {
    const uppy = new Uppy();
    uppy.use(AwsS3, {
      signRequest: () => ({ url: "https://s3.test/unused" }),
      shouldUseMultipart: (file) => (file.size ?? 0) > PART,
      getChunkSize: () => PART,
      limit,
    });
    return uppy;
  }

  it("uploads one big file's parts `limit` at a time", async () => {
    const fake = new FakeS3();
    fake.autoAnswer("createMultipartUpload");
    fake.autoAnswer("uploadPart", (p) => 1 + (p.partNumber % 3));
    fake.autoAnswer("completeMultipartUpload");
    stubS3mini(fake);
    const uppy = plugin(4);
    addFile(uppy, "big.bin", TEN_PARTS);

    const result = await uppy.upload();

    expect(result?.successful).toHaveLength(1);
    expect(fake.partNumbers()).toHaveLength(10);
    expect(fake.maxRunning).toBe(4);
  });

  it("at limit 1, a file removed while its first request waits never starts, and the batch ends", async () => {
    const fake = new FakeS3();
    stubS3mini(fake);
    const uppy = plugin(1);
    const first = addFile(uppy, "a.bin", new Blob(["a"]));
    const second = addFile(uppy, "b.bin", new Blob(["b"]));

    const upload = uppy.upload();
    await settle();
    expect(fake.of("putObject")).toHaveLength(1);
    uppy.removeFile(second.id);
    fake.answer(fake.of("putObject")[0]!);
    const result = await upload;

    expect(fake.of("putObject")).toHaveLength(1);
    expect(result?.successful?.map((f) => f.id)).toEqual([first.id]);
  });
});
