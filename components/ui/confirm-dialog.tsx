"use client";

import { useEffect, useRef, type ReactNode } from "react";

import { Button } from "./button";

/**
 * A modal question with two answers: the browser's own <dialog> (focus moves into it and stays
 * there, Escape answers "no", the page behind is inert).
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) element.showModal();
    if (!props.open && element.open) element.close();
  }, [props.open]);

  return (
    <dialog
      ref={dialog}
      aria-labelledby="confirm-dialog-title"
      onClose={() => props.open && props.onCancel()}
      className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-xl bg-white p-5 text-slate-900 shadow-xl ring-1 ring-slate-200 backdrop:bg-slate-900/40 dark:bg-slate-900 dark:text-slate-100 dark:ring-slate-700"
    >
      <h2 id="confirm-dialog-title" className="text-base font-semibold">
        {props.title}
      </h2>
      <div className="mt-2 text-sm text-slate-600 dark:text-slate-400">{props.children}</div>
      <div className="mt-5 flex flex-wrap justify-end gap-2">
        <Button variant="secondary" autoFocus onClick={props.onCancel}>
          {props.cancelLabel}
        </Button>
        <Button variant="danger" onClick={props.onConfirm}>
          {props.confirmLabel}
        </Button>
      </div>
    </dialog>
  );
}
