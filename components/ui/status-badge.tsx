const STYLES: Record<string, string> = {
  READY: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  PENDING: "bg-sky-50 text-sky-700 ring-sky-200",
  REJECTED: "bg-red-50 text-red-700 ring-red-200",
  ABORTED: "bg-slate-100 text-slate-700 ring-slate-200",
  DELETED: "bg-slate-100 text-slate-500 ring-slate-200",
  EXPIRED: "bg-amber-50 text-amber-800 ring-amber-200",
  QUARANTINED: "bg-red-100 text-red-800 ring-red-300",
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${STYLES[status] ?? STYLES.ABORTED}`}>{status.toLowerCase()}</span>;
}
