import { previewKind } from "@/lib/share-policy";

/** Inline view of a file that is safe to render (never SVG or HTML); nothing for other types. */
export function FilePreview({ url, type, name }: { url: string; type: string; name: string }) {
  const kind = previewKind(type);
  const frame = "w-full overflow-hidden rounded-lg border border-slate-200 bg-slate-50 dark:border-slate-700 dark:bg-slate-950";
  switch (kind) {
    case "image":
      // eslint-disable-next-line @next/next/no-img-element -- a presigned storage URL, not an optimisable asset
      return <img src={url} alt={`Preview of ${name}`} className={`${frame} max-h-[32rem] object-contain`} data-testid="preview-image" />;
    case "video":
      return <video src={url} controls preload="metadata" className={frame} aria-label={`Preview of ${name}`} />;
    case "audio":
      return <audio src={url} controls preload="metadata" className="w-full" aria-label={`Preview of ${name}`} />;
    case "pdf":
      // Chromium's PDF viewer does not run in a sandboxed frame; a PDF is served with its own type.
      return <iframe src={url} title={`Preview of ${name}`} className={`${frame} h-[32rem]`} />;
    case "text":
      return <iframe src={url} title={`Preview of ${name}`} className={`${frame} h-[32rem]`} sandbox="" />;
    default:
      return null;
  }
}
