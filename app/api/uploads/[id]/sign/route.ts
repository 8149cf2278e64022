import { z } from "zod";
import { readJson, json, withUser } from "@/lib/server/route";
import { signUploadRequests } from "@/lib/server/uploads";
import { parseSignBody } from "@/lib/validation/uploads";

// POST /api/uploads/:id/sign — presign one storage operation (or a batch) for this upload
export const POST = withUser<{ id: string }>(async ({ req, params, user, meta }) => {
  const body = parseSignBody(await readJson(req, z.unknown()));
  return json(await signUploadRequests({ user, uploadId: params.id, body, meta }));
});
