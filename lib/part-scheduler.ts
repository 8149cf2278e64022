// Sends the parts of a multipart upload several at a time: the Node side of what the patched
// @uppy/aws-s3 does in the browser (patches/README.md). Pure: the caller says how a part is sent.

export interface PartSchedule {
  /** Part numbers still to send, in the order they should start. */
  parts: number[];
  /** Most parts in flight at once. */
  concurrency: number;
  /** Sends one part and answers its ETag; `signal` aborts it. */
  send: (partNumber: number, signal: AbortSignal) => Promise<string>;
  /** Further attempts per part after a failure (default 2); the other parts are not re-sent. */
  retries?: number;
  /** Waits before each further attempt (default 500 ms × attempt). */
  backoffMs?: (attempt: number) => number;
  /** Aborts the whole upload: no part starts any more, those in flight are aborted. */
  signal?: AbortSignal;
  onPartDone?: (partNumber: number, etag: string) => void | Promise<void>;
}

export class PartFailedError extends Error {
  constructor(
    readonly partNumber: number,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(`Part ${partNumber} failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "PartFailedError";
  }
}

const abortError = (signal: AbortSignal) => (signal.reason instanceof Error ? signal.reason : new DOMException("The upload was aborted.", "AbortError"));

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(abortError(signal));
    }
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Sends every part with at most `concurrency` in flight and answers their ETags by part number.
 * A failing part is retried on its own; when it has no attempts left, the parts still in flight
 * are aborted and the whole schedule rejects with a PartFailedError (parts already sent stay sent:
 * a second schedule with the remaining part numbers picks up from there).
 */
export async function runParts(schedule: PartSchedule): Promise<Map<number, string>> {
  const { parts, send, retries = 2, backoffMs = (attempt) => 500 * attempt } = schedule;
  const concurrency = Math.max(1, Math.floor(schedule.concurrency));
  const local = new AbortController();
  const outer = schedule.signal;
  const forward = () => local.abort(outer!.reason);
  if (outer?.aborted) throw abortError(outer);
  outer?.addEventListener("abort", forward, { once: true });
  const etags = new Map<number, string>();
  let next = 0;

  async function sendWithRetries(partNumber: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      local.signal.throwIfAborted();
      try {
        const etag = await send(partNumber, local.signal);
        etags.set(partNumber, etag);
        await schedule.onPartDone?.(partNumber, etag);
        return;
      } catch (error) {
        if (local.signal.aborted) throw abortError(local.signal);
        if (attempt > retries) throw new PartFailedError(partNumber, attempt, error);
        await sleep(backoffMs(attempt), local.signal);
      }
    }
  }

  async function lane(): Promise<void> {
    while (next < parts.length) {
      const partNumber = parts[next++]!;
      await sendWithRetries(partNumber);
    }
  }

  let failure: unknown;
  try {
    const lanes = Array.from({ length: Math.min(concurrency, parts.length) }, () =>
      lane().catch((error: unknown) => {
        // One part gave up (or the upload was aborted): stop the others; the first reason is the answer.
        if (failure === undefined) failure = error;
        local.abort(error);
      }),
    );
    await Promise.all(lanes);
    if (outer?.aborted) throw abortError(outer);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the failed part's own reason, as it came
    if (failure !== undefined) throw failure;
    return new Map([...etags].sort((a, b) => a[0] - b[0]));
  } finally {
    outer?.removeEventListener("abort", forward);
  }
}
