// The Azure uploader on a real Uppy (it runs in Node) with a fake XMLHttpRequest whose answers
// the test controls: blocks without an uploadId, several in flight under `limit`, blocks storage
// already holds not sent again, a single Put Blob meeting 409 counted as landed, cancel.
import Uppy from "@uppy/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { UploadReservation } from "./upload-client";
import AzureBlob from "./uppy-azure-blob";
import type { PresignableRequest } from "./validation/uploads";

const MiB = 1024 * 1024;

class FakeXhr {
  static all: FakeXhr[] = [];
  static running = 0;
  static mostRunning = 0;
  method = "";
  url = "";
  headers: Record<string, string> = {};
  status = 0;
  upload: { onprogress?: (e: { loaded: number }) => void } = {};
  onload?: () => void;
  onerror?: () => void;
  onabort?: () => void;
  private done = false;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return name === "x-ms-error-code" && this.status === 409 ? "BlobAlreadyExists" : null;
  }
  send(body: Blob) {
    FakeXhr.all.push(this);
    FakeXhr.mostRunning = Math.max(FakeXhr.mostRunning, ++FakeXhr.running);
    this.size = body.size;
  }
  size = 0;
  answer(status: number) {
    if (this.done) return;
    this.done = true;
    FakeXhr.running--;
    this.status = status;
    this.upload.onprogress?.({ loaded: this.size });
    this.onload?.();
  }
  abort() {
    if (this.done) return;
    this.done = true;
    FakeXhr.running--;
    this.onabort?.();
  }
}

const tick = () => new Promise((r) => setTimeout(r, 5));

function reservationFor(size: number, strategy: "single" | "blocks"): UploadReservation {
  const partSize = strategy === "single" ? size : 8 * MiB;
  return {
    id: "r1",
    key: "users/u/r1/f.bin",
    name: "f.bin",
    size,
    type: "application/octet-stream",
    status: "PENDING",
    strategy,
    partSize,
    maxParts: Math.ceil(size / partSize),
    expiresAt: "",
    createdAt: "",
  };
}

function setup(args: { size: number; strategy: "single" | "blocks"; staged?: number[]; limit?: number }) {
  const signed: PresignableRequest[] = [];
  const uppy = new Uppy();
  uppy.use(AzureBlob, {
    limit: args.limit ?? 2,
    reservation: async () => reservationFor(args.size, args.strategy),
    signRequest: async (request) => {
      signed.push(request);
      return { url: `https://acct.blob.test/c/f.bin?part=${request.partNumber ?? "single"}`, key: request.key, headers: { "content-md5": "x" } };
    },
    stagedBlocks: async () => args.staged ?? [],
  });
  const id = uppy.addFile({ name: "f.bin", type: "application/octet-stream", data: new Blob([new Uint8Array(args.size)]) });
  const events: string[] = [];
  uppy.on("upload-success", () => events.push("success"));
  uppy.on("upload-error", (_f, error) => events.push(`error ${(error as { status?: number }).status}`));
  return { uppy, id, signed, events };
}

describe("the Azure uploader (lib/uppy-azure-blob.ts)", () => {
  beforeEach(() => {
    FakeXhr.all = [];
    FakeXhr.running = 0;
    FakeXhr.mostRunning = 0;
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("sends each block (a partNumber, no uploadId) at most `limit` at a time, and succeeds when all are in", async () => {
    const { uppy, signed, events, id } = setup({ size: 20 * MiB, strategy: "blocks", limit: 2 });
    const uploading = uppy.upload();
    for (let i = 0; i < 200 && events.length === 0; i++) {
      await tick();
      FakeXhr.all.find((x) => x.status === 0)?.answer(201);
    }
    await uploading;
    expect(signed.map((r) => [r.method, r.partNumber, r.uploadId])).toEqual([
      ["PUT", 1, undefined],
      ["PUT", 2, undefined],
      ["PUT", 3, undefined],
    ]);
    expect(FakeXhr.all.map((x) => x.size)).toEqual([8 * MiB, 8 * MiB, 4 * MiB]);
    expect(FakeXhr.mostRunning).toBeLessThanOrEqual(2);
    expect(FakeXhr.all[0]!.headers).toEqual({ "content-md5": "x" });
    expect(events).toEqual(["success"]);
    expect(uppy.getFile(id).progress.bytesUploaded).toBe(20 * MiB);
  });

  it("after a reload sends only the blocks storage does not hold", async () => {
    const { uppy, signed, events } = setup({ size: 20 * MiB, strategy: "blocks", staged: [1, 3] });
    const uploading = uppy.upload();
    for (let i = 0; i < 50 && FakeXhr.all.length < 1; i++) await tick();
    FakeXhr.all[0]!.answer(201);
    await uploading;
    expect(signed.map((r) => r.partNumber)).toEqual([2]);
    expect(events).toEqual(["success"]);
  });

  it("a single Put Blob met by 409 (an earlier attempt landed) counts as landed; another refusal is an error with storage's status", async () => {
    const landed = setup({ size: 1000, strategy: "single" });
    const first = landed.uppy.upload();
    for (let i = 0; i < 50 && FakeXhr.all.length < 1; i++) await tick();
    FakeXhr.all[0]!.answer(409);
    await first;
    expect(landed.events).toEqual(["success"]);

    FakeXhr.all = [];
    const refused = setup({ size: 1000, strategy: "single" });
    const second = refused.uppy.upload();
    // Retried twice (runParts), then reported.
    for (let i = 0; i < 400 && refused.events.length === 0; i++) {
      await tick();
      FakeXhr.all.find((x) => x.status === 0)?.answer(403);
    }
    await second;
    expect(refused.events).toEqual(["error 403"]);
    expect(FakeXhr.all).toHaveLength(3);
  });

  it("removing the file aborts its requests and reports nothing", async () => {
    const { uppy, id, events } = setup({ size: 20 * MiB, strategy: "blocks" });
    const uploading = uppy.upload();
    for (let i = 0; i < 50 && FakeXhr.all.length < 2; i++) await tick();
    uppy.removeFile(id);
    await uploading;
    expect(FakeXhr.running).toBe(0);
    expect(events).toEqual([]);
  });
});
