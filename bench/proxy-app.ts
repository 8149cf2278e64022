// The baseline: an upload server *without* valet keys, as most apps are built. The browser sends
// the bytes to this server, which streams them on to the same storage (multipart, through the
// AWS SDK's lib-storage Upload with its defaults: 8 MiB parts here, 4 in flight).
import http from "node:http";
import { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const client = new S3Client({
  endpoint: process.env.S3_ENDPOINT,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: process.env.S3_ACCESS_KEY_ID!, secretAccessKey: process.env.S3_SECRET_ACCESS_KEY! },
  requestChecksumCalculation: "WHEN_REQUIRED",
  responseChecksumValidation: "WHEN_REQUIRED",
});

// eslint-disable-next-line @typescript-eslint/no-misused-promises -- the handler catches and answers every error itself
const server = http.createServer(async (req, res) => {
  try {
    const name = new URL(req.url ?? "/", "http://x").searchParams.get("name") ?? "upload";
    const upload = new Upload({
      client,
      params: { Bucket: process.env.S3_BUCKET, Key: `proxy/${Date.now()}-${name}`, Body: req, ContentType: req.headers["content-type"] },
      partSize: 8 * 1024 * 1024,
      queueSize: 4,
    });
    await upload.done();
    res.writeHead(201).end();
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("proxy-app ready"));
