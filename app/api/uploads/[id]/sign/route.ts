import { z } from "zod";

import { json, readJson, withCaller } from "@/lib/server/route";
import { signUploadRequests } from "@/lib/server/uploads";
import { parseSignBody } from "@/lib/validation/uploads";

// POST /api/uploads/:id/sign — presign one storage operation (or a batch) for this upload
// (withCaller: the service checks the user in the statement that loads the upload)
export const POST = withCaller<{ id: string }>(async ({ req, params, caller, meta }) => {
  const body = parseSignBody(await readJson(req, z.unknown()));
  return json(await signUploadRequests({ caller, uploadId: params.id, body, meta }));
});
