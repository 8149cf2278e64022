export function Logo() {
  return (
    <span className="inline-flex items-center gap-2 text-xl font-semibold tracking-tight text-slate-900 dark:text-slate-100">
      <svg aria-hidden="true" viewBox="0 0 24 24" className="h-7 w-7 text-indigo-600 dark:text-indigo-400" fill="none" stroke="currentColor" strokeWidth="2">
        <path d="M7 10V7a5 5 0 0 1 10 0v3" strokeLinecap="round" />
        <rect x="4" y="10" width="16" height="11" rx="2" />
        <path d="M12 14v3" strokeLinecap="round" />
      </svg>
      Valet
    </span>
  );
}
