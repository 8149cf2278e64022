import "server-only";

import { fileTypeFromBuffer } from "file-type";

import { looksLikeMarkup, type Detected } from "@/lib/content-check";

/** Bytes read from the start of an object: enough for every signature file-type knows. */
export const SNIFF_BYTES = 4100;

export async function detectContent(head: Uint8Array): Promise<Detected> {
  const type = await fileTypeFromBuffer(head);
  return { mime: type?.mime, isMarkup: looksLikeMarkup(head) };
}
