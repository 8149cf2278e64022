// An instance of the built app (`next start`) that a test owns: it can be killed outright
// (SIGKILL, as a crash or an OOM kill would) and started again on the same port.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

import { freePort, stopChild, waitUntil } from "../../scripts/lib/process";

const NEXT = path.resolve(__dirname, "..", "..", "node_modules", ".bin", "next");

export interface AppInstance {
  url: string;
  start(extraEnv?: Record<string, string>): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
  /** What the instance printed, for a failing test's message. */
  logs(): string;
}

/** `env` is the instance's whole environment; APP_URL and AUTH_URL are set to its own address. */
export async function appInstance(env: NodeJS.ProcessEnv): Promise<AppInstance> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  let child: ChildProcess | undefined;
  const logs: string[] = [];
  const instance: AppInstance = {
    url,
    async start(extraEnv: Record<string, string> = {}) {
      child = spawn(NEXT, ["start", "--port", String(port)], {
        env: { ...env, APP_URL: url, AUTH_URL: url, ...extraEnv },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      // Kept for a failing test's message; not printed, since the faults make it noisy on purpose.
      for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk: Buffer) => logs.push(chunk.toString()));
      const started = child;
      await waitUntil(
        `the app on port ${port} (logs: ${logs.join("").slice(-2000)})`,
        async () => started.exitCode === null && (await fetch(`${url}/api/health`)).ok,
        60_000,
      );
    },
    async kill() {
      if (!child?.pid || child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child!.once("exit", () => resolve()));
      process.kill(-child.pid, "SIGKILL");
      await exited;
    },
    async stop() {
      if (child) await stopChild(child);
    },
    logs: () => logs.join(""),
  };
  return instance;
}
