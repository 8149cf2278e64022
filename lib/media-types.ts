// Which media types Valet accepts by default, and the file extensions that name them. One table,
// so that the server's allowlist, the browser's file picker and the CLI's guess never disagree.

/** File extension (lower case, with the dot) → media type, for every type accepted by default. */
export const MEDIA_TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".pdf": "application/pdf",
  ".txt": "text/plain",
  ".csv": "text/csv",
  ".md": "text/markdown",
  ".json": "application/json",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".mp3": "audio/mpeg",
  ".ogg": "audio/ogg",
  ".wav": "audio/wav",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".mov": "video/quicktime",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  ".odt": "application/vnd.oasis.opendocument.text",
  ".ods": "application/vnd.oasis.opendocument.spreadsheet",
};

/** Types accepted when ALLOWED_CONTENT_TYPES is unset: documents, images, audio, video, archives. */
export const DEFAULT_ALLOWED_CONTENT_TYPES: readonly string[] = [...new Set(Object.values(MEDIA_TYPES_BY_EXTENSION))];

/** The media type a file name suggests, or application/octet-stream when its extension is unknown. */
export function mediaTypeForName(name: string): string {
  const dot = name.lastIndexOf(".");
  return (dot > 0 && MEDIA_TYPES_BY_EXTENSION[name.slice(dot).toLowerCase()]) || "application/octet-stream";
}
