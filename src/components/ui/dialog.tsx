"use client";

import { useEffect, useId, useRef, type ReactNode } from "react";
import { cn } from "./cn";

/**
 * A native <dialog> shown as a modal while `open` (focus trapped, the page behind inert), closed
 * otherwise. Closing returns focus to what opened it (the browser does that on close()); a dialog
 * unmounted while open (`{form && <Dialog open …/>}`) is removed without close(), and focus would
 * fall to <body>, so it is given back here.
 */
export function useModalDialog(open: boolean) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  useEffect(
    () => () => {
      const lostFocus = document.activeElement === null || document.activeElement === document.body;
      if (lostFocus && opener.current?.isConnected) opener.current.focus();
    },
    [],
  );
  return ref;
}

/**
 * A modal on the native <dialog>: focus is trapped and Escape closes without extra code.
 * Its title id comes from useId, so several dialogs on one page each keep their own name.
 * `footer` sits in the grey bar at the bottom (the actions); forms put their own buttons there.
 */
export function Dialog({
  open,
  title,
  onClose,
  children,
  footer,
  wide = false,
}: {
  open: boolean;
  title: string;
  /** Escape, or the caller's Cancel. */
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  /** For a form: 34rem instead of 28rem. */
  wide?: boolean;
}) {
  const ref = useModalDialog(open);
  const titleId = useId();
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      className={cn("m-auto rounded-xl border border-zinc-200 bg-white p-0 shadow-xl", wide ? "w-[min(34rem,calc(100vw-2rem))]" : "w-[min(28rem,calc(100vw-2rem))]")}
    >
      <div className="p-5">
        <h2 id={titleId} className="text-base font-semibold text-zinc-900">
          {title}
        </h2>
        <div className="mt-2 text-sm text-zinc-600">{children}</div>
      </div>
      {footer && <div className="flex flex-wrap justify-end gap-2 rounded-b-xl bg-zinc-50 px-5 py-3">{footer}</div>}
    </dialog>
  );
}
