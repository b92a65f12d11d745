"use client";

import { useId, type ReactNode } from "react";
import { Spinner } from "./spinner";
import { cn } from "./cn";

/**
 * The one on/off control of the app, for every setting that is on or off (a list of
 * permissions to pick from stays a group of checkboxes): a real button with
 * role="switch", so Space and Enter toggle it and screen readers announce "on"/"off".
 * Named by its visible label (labelledBy), or by `label` where none is shown.
 */
export function Switch({
  checked,
  onChange,
  disabled,
  pending,
  describedBy,
  id,
  ...name
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  pending?: boolean;
  describedBy?: string;
  id?: string;
} & ({ labelledBy: string; label?: undefined } | { label: string; labelledBy?: undefined })) {
  return (
    <button
      id={id}
      type="button"
      role="switch"
      aria-checked={checked}
      aria-labelledby={name.labelledBy}
      aria-label={name.label}
      aria-describedby={describedBy}
      aria-busy={pending || undefined}
      disabled={disabled || pending}
      onClick={() => onChange(!checked)}
      className={cn(
        "relative inline-flex h-6 w-11 shrink-0 items-center rounded-full transition-colors disabled:cursor-not-allowed",
        checked ? "bg-brand-600" : "bg-zinc-300",
        (disabled || pending) && "opacity-60",
      )}
    >
      <span
        aria-hidden="true"
        className={cn(
          "flex size-5 items-center justify-center rounded-full bg-white text-brand-600 shadow ring-1 ring-zinc-900/5 transition-transform",
          checked ? "translate-x-[22px]" : "translate-x-0.5",
        )}
      >
        {pending && <Spinner className="size-3.5" />}
      </span>
    </button>
  );
}

/** A labelled row: what the switch controls and why it matters on the left, the switch on the right. */
export function SwitchRow({
  label,
  description,
  checked,
  onChange,
  disabled,
  pending,
  children,
  className,
}: {
  label: ReactNode;
  description?: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  pending?: boolean;
  children?: ReactNode;
  className?: string;
}) {
  const id = useId();
  return (
    <div className={cn("flex items-start justify-between gap-4", className)}>
      <div className="min-w-0 flex-1">
        <label id={`${id}-label`} htmlFor={`${id}-switch`} className={cn("text-sm font-medium text-zinc-900", !(disabled || pending) && "cursor-pointer")}>
          {label}
        </label>
        {description && (
          <div id={`${id}-description`} className="mt-0.5 text-sm text-zinc-500">
            {description}
          </div>
        )}
        {children}
      </div>
      <div className="pt-0.5">
        <Switch
          id={`${id}-switch`}
          checked={checked}
          onChange={onChange}
          disabled={disabled}
          pending={pending}
          labelledBy={`${id}-label`}
          describedBy={description ? `${id}-description` : undefined}
        />
      </div>
    </div>
  );
}
