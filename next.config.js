// @ts-check

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Kept out of the server bundle: native (argon2) or Node-only packages loaded at run time. (pino
  // is on Next's own list.) graphile-worker loads its SQL migrations from its own folder. prom-client loaded once keeps one set of metric classes per process.
  serverExternalPackages: ["@node-rs/argon2", "pg", "@prisma/adapter-pg", "prom-client", "graphile-worker", "sharp"],
  experimental: {
    // forbidden() renders app/forbidden.tsx with a real 403 for non-admins on admin pages.
    authInterrupts: true,
    // The one server action (sign out) has no body to speak of; route handlers cap theirs in lib/server/body.ts.
    serverActions: { bodySizeLimit: "16kb" },
    // Next buffers the body of each request the proxy sees (pages only; no page takes a body).
    proxyClientMaxBodySize: "16kb",
  },
  // On every response; the Content-Security-Policy itself is set per request in proxy.ts.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
        ],
      },
      // Share pages and their downloads are for whoever was given the link, never for an index.
      { source: "/s/:path*", headers: [{ key: "X-Robots-Tag", value: "noindex, nofollow" }] },
    ];
  },
};

module.exports = nextConfig;
