import type { SelectHTMLAttributes } from "react";
import { controlClasses, FieldFrame } from "./field";

/** A labelled <select>, styled and wired like Field (hint and error read with it). */
export function SelectField({ label, hint, error, className, children, ...select }: SelectHTMLAttributes<HTMLSelectElement> & { label: string; hint?: string; error?: string }) {
  return (
    <FieldFrame
      label={label}
      hint={hint}
      error={error}
      className={className}
      control={(wiring) => (
        <select {...wiring} className={controlClasses(error)} {...select}>
          {children}
        </select>
      )}
    />
  );
}
