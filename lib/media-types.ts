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

/** The kinds of file My files filters by, in the order its filter lists them. */
export const FILE_KINDS = ["images", "video", "audio", "documents", "archives", "other"] as const;
export type FileKind = (typeof FILE_KINDS)[number];

export const FILE_KIND_LABELS: Readonly<Record<FileKind, string>> = {
  images: "Images",
  video: "Video",
  audio: "Audio",
  documents: "Documents",
  archives: "Archives",
  other: "Other",
};

/** A kind is any type under one of `prefixes` or listed in `types`; whatever no kind claims is "other". */
export interface FileKindRule {
  prefixes: readonly string[];
  types: readonly string[];
}

const typesOf = (extensions: string[]) => extensions.map((ext) => MEDIA_TYPES_BY_EXTENSION[ext]!);
const isMedia = (type: string) => ["image/", "video/", "audio/"].some((prefix) => type.startsWith(prefix));
const ARCHIVE_TYPES = typesOf([".zip", ".gz"]);

/**
 * Derived from the table above, so that a type added there falls into a kind: media by their
 * top-level type (any image/…, also ones an operator allows beyond the defaults), archives by
 * extension, and every other type of the table (PDF, text, JSON, office formats) is a document,
 * as is any text/… type.
 */
export const FILE_KIND_RULES: Readonly<Record<Exclude<FileKind, "other">, FileKindRule>> = {
  images: { prefixes: ["image/"], types: [] },
  video: { prefixes: ["video/"], types: [] },
  audio: { prefixes: ["audio/"], types: [] },
  documents: { prefixes: ["text/"], types: DEFAULT_ALLOWED_CONTENT_TYPES.filter((type) => !isMedia(type) && !ARCHIVE_TYPES.includes(type)) },
  archives: { prefixes: [], types: ARCHIVE_TYPES },
};

const matches = (rule: FileKindRule, type: string) => rule.types.includes(type) || rule.prefixes.some((prefix) => type.startsWith(prefix));

/** The kind a stored file's media type belongs to. */
export function fileKind(type: string): FileKind {
  const kinds = Object.entries(FILE_KIND_RULES) as Array<[Exclude<FileKind, "other">, FileKindRule]>;
  return kinds.find(([, rule]) => matches(rule, type))?.[0] ?? "other";
}

/** Images the thumbnail job decodes (GIF: its first frame). SVG never: it is a program, not pixels. */
export const THUMBNAIL_SOURCE_TYPES: ReadonlySet<string> = new Set(["image/jpeg", "image/png", "image/webp", "image/avif", "image/gif"]);
