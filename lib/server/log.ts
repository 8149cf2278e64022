import "server-only";

import pino, { type DestinationStream, type Level, type Logger } from "pino";

import { ConfigError, env } from "./env";
import { redactSecrets } from "./log-redaction";
import { currentRequest } from "./request-context";

// The server's log: one JSON object per line on stdout (pino, no transport and no worker thread),
// for whatever collects the process's output. Every line carries `level`, `time`, `pid`,
// `hostname` and `msg`, and, while a request is being served, its `requestId`.

/**
 * Fields redacted wherever they are logged, at the top level or one object down (`*.password`).
 * Secrets inside text (a URL in an error message) are caught by redactSecrets on the written line.
 */
const REDACTED_PATHS = [
  "password",
  "token",
  "secret",
  "authorization",
  "cookie",
  "setupToken",
  "*.password",
  "*.token",
  "*.secret",
  "*.authorization",
  "*.cookie",
  "*.setupToken",
  "headers.authorization",
  "headers.cookie",
  'headers["set-cookie"]',
  "*.headers.authorization",
  "*.headers.cookie",
  '*.headers["set-cookie"]',
];

export function createLogger(options: { level: Level | "silent"; write: (line: string) => void }): Logger {
  const destination: DestinationStream = { write: (line) => options.write(redactSecrets(line)) };
  return pino(
    {
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level":"info" rather than pino's 30: readable by people and by every log tool's filter.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      mixin: () => {
        const request = currentRequest();
        return request ? { requestId: request.requestId } : {};
      },
    },
    destination,
  );
}

// One logger per process, whatever module instances the bundler made (instrumentation, routes).
const globalForLog = globalThis as unknown as { valetLogger?: Logger };

export function logger(): Logger {
  globalForLog.valetLogger ??= createLogger({ level: configuredLevel(), write: (line) => process.stdout.write(line) });
  return globalForLog.valetLogger;
}

/** LOG_LEVEL; `info` while the configuration is invalid, so that the message saying why is written. */
function configuredLevel(): Level | "silent" {
  try {
    return env().LOG_LEVEL;
  } catch (error) {
    if (error instanceof ConfigError) return "info";
    throw error;
  }
}
