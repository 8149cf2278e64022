// What the benchmarks measure with: a byte-counting TCP proxy in front of a server, and CPU and
// RSS of a process tree read from /proc.
import { readdir, readFile } from "node:fs/promises";
import net from "node:net";

export interface CountingProxy {
  port: number;
  /** Bytes clients sent through to the server since the last reset. */
  bytesIn(): number;
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  let bytesIn = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    client.on("data", (chunk) => (bytesIn += chunk.length));
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    bytesIn: () => bytesIn,
    reset: () => (bytesIn = 0),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const CLOCK_TICKS = 100; // USER_HZ on Linux
const PAGE_BYTES = 4096;

async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const children = await Promise.all(tasks.map((t) => readFile(`/proc/${pid}/task/${t}/children`, "utf8").catch(() => "")));
  return children.flatMap((c) => c.trim().split(/\s+/).filter(Boolean).map(Number));
}

async function treePids(pid: number): Promise<number[]> {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...(await childrenOf(all[i]!)));
  return all;
}

/** CPU seconds (user + system) and resident bytes of a process and all its descendants. */
export async function treeStats(pid: number): Promise<{ cpuSeconds: number; rssBytes: number }> {
  let ticks = 0;
  let pages = 0;
  for (const p of await treePids(pid)) {
    const stat = await readFile(`/proc/${p}/stat`, "utf8").catch(() => null);
    const statm = await readFile(`/proc/${p}/statm`, "utf8").catch(() => null);
    if (!stat || !statm) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    pages += Number(statm.split(" ")[1]);
  }
  return { cpuSeconds: ticks / CLOCK_TICKS, rssBytes: pages * PAGE_BYTES };
}

/** Runs `work` while sampling the tree every 50 ms: CPU used, RSS before and at peak. */
export async function measure<T>(pid: number, work: () => Promise<T>) {
  const before = await treeStats(pid);
  let peak = before.rssBytes;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await treeStats(pid)).rssBytes);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;
  const after = await treeStats(pid);
  peak = Math.max(peak, after.rssBytes);
  return { result, seconds, cpuSeconds: after.cpuSeconds - before.cpuSeconds, rssBeforeBytes: before.rssBytes, rssPeakBytes: peak };
}
