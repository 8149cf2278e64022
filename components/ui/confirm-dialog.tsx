"use client";

import { useEffect, useId, useRef, type ReactNode } from "react";

import { Button } from "./button";

/**
 * A modal question with two answers: the browser's own <dialog> (focus moves into it and stays
 * there, Escape answers "no", the page behind is inert). Focus starts on the harmless answer and
 * goes back to whatever opened the dialog. While `isBusy` (the answer is being carried out) both
 * buttons wait and Escape does nothing. Ids come from useId: a page may hold more than one (My
 * files has the uploader's and the list's).
 */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  cancelLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  isBusy?: boolean;
  /** Shown on the confirm button while isBusy. */
  busyLabel?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const opener = useRef<Element | null>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (props.open && !element.open) {
      opener.current = document.activeElement;
      element.showModal();
      cancel.current?.focus();
    }
    if (!props.open && element.open) element.close();
  }, [props.open]);

  function restoreFocus() {
    const previous = opener.current;
    opener.current = null;
    if (previous instanceof HTMLElement && previous.isConnected && !previous.matches(":disabled")) previous.focus();
  }

  return (
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        if (props.isBusy) event.preventDefault();
      }}
      onClose={() => {
        restoreFocus();
        if (props.open) props.onCancel();
      }}
      className="m-auto w-[min(28rem,calc(100vw-2rem))] rounded-xl bg-white p-5 text-slate-900 shadow-xl ring-1 ring-slate-200 backdrop:bg-slate-900/40 dark:bg-slate-900 dark:text-slate-100 dark:ring-slate-700"
    >
      <h2 id={titleId} className="text-base font-semibold">
        {props.title}
      </h2>
      <div id={bodyId} className="mt-2 space-y-2 text-sm text-slate-600 dark:text-slate-400">
        {props.children}
      </div>
      <div className="mt-5 flex flex-wrap justify-end gap-2">
        <Button ref={cancel} variant="secondary" autoFocus onClick={props.onCancel} disabled={props.isBusy}>
          {props.cancelLabel}
        </Button>
        <Button variant="danger" onClick={props.onConfirm} disabled={props.isBusy}>
          {props.isBusy && props.busyLabel ? props.busyLabel : props.confirmLabel}
        </Button>
      </div>
    </dialog>
  );
}
