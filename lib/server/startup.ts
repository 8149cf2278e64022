import "server-only";
import { ConfigError, env } from "./env";
import { storage } from "./storage";

export async function startServer(): Promise<void> {
  let config;
  try {
    config = env();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`\n${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (config.S3_SETUP_BUCKET) {
    await storage().ensureBucket(config.CORS_ALLOWED_ORIGINS);
    console.log(`Bucket "${config.S3_BUCKET}" ready; CORS allows ${config.CORS_ALLOWED_ORIGINS.join(", ")}`);
  }
}
