import { useId, type InputHTMLAttributes, type ReactNode } from "react";
import { cn } from "./cn";

type Described = { label: string; hint?: string; error?: string };

/** The classes of a text-like control (input, select), red while it has an error. */
export function controlClasses(error?: string) {
  return cn(
    "block h-10 w-full rounded-lg border bg-white px-3 text-sm text-zinc-900 shadow-sm placeholder:text-zinc-400 focus:outline-none focus:ring-2",
    error ? "border-red-400 focus:ring-red-500/40" : "border-zinc-300 focus:border-brand-500 focus:ring-brand-500/30",
  );
}

/**
 * A control's label above it and its hint or error below, wired for screen readers: `control`
 * receives the id the label points at and the ids that describe it.
 */
export function FieldFrame({ label, hint, error, className, control }: Described & { className?: string; control: (wiring: { id: string; "aria-invalid"?: true; "aria-describedby"?: string }) => ReactNode }) {
  const id = useId();
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ") || undefined;
  return (
    <div className={cn("space-y-1.5", className)}>
      <label htmlFor={id} className="block text-sm font-medium text-zinc-800">
        {label}
      </label>
      {control({ id, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy })}
      {hint && !error && (
        <p id={`${id}-hint`} className="text-xs text-zinc-500">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="text-xs font-medium text-red-600">
          {error}
        </p>
      )}
    </div>
  );
}

/** A labelled input with hint and error text wired to it for screen readers. */
export function Field({ label, hint, error, className, ...input }: InputHTMLAttributes<HTMLInputElement> & Described) {
  return <FieldFrame label={label} hint={hint} error={error} className={className} control={(wiring) => <input {...wiring} className={controlClasses(error)} {...input} />} />;
}
