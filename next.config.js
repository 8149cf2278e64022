// @ts-check

/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Kept out of the server bundle: native (argon2) or Node-only packages loaded at run time.
  serverExternalPackages: ["@node-rs/argon2", "pg", "@prisma/adapter-pg"],
  // forbidden() renders app/forbidden.tsx with a real 403 for non-admins on admin pages.
  experimental: { authInterrupts: true },
};

module.exports = nextConfig;
