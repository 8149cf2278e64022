// Runs once when a server instance starts: fail fast on bad configuration, and in dev/test
// (S3_SETUP_BUCKET) create the bucket and its CORS rules.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { stampPeerAddress } = await import("./lib/server/peer-address");
  stampPeerAddress();
  const { startServer } = await import("./lib/server/startup");
  await startServer();
}
