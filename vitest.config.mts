import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = path.dirname(fileURLToPath(import.meta.url));
const alias = {
  "@": root,
  "server-only": path.join(root, "tests/stubs/server-only.ts"),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { name: "unit", include: ["lib/**/*.test.ts", "scripts/**/*.test.ts"], environment: "node" },
      },
      {
        // Needs a running app, PostgreSQL and Ceph RGW: started by `npm test` (scripts/test.ts).
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Starts `npm run dev` itself (PGlite + s3rver) and uploads one file through it.
        resolve: { alias },
        test: { name: "smoke", include: ["tests/smoke/**/*.test.ts"], environment: "node", testTimeout: 180_000, hookTimeout: 180_000 },
      },
    ],
  },
});
