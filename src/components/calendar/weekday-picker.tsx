import type { ReactNode } from "react";
import { toggled, WEEKDAYS_FROM_MONDAY } from "./options";

/** Days of the week as a row of checkboxes, Monday first; values are the API's day numbers (0 = Sunday). */
export function WeekdayPicker({ legend, value, onChange, name, error, children }: { legend: string; value: number[]; onChange: (days: number[]) => void; name?: string; error?: string; children?: ReactNode }) {
  return (
    <fieldset>
      <legend className="text-sm font-medium text-zinc-800">{legend}</legend>
      <div className="mt-1.5 flex flex-wrap gap-1.5">
        {WEEKDAYS_FROM_MONDAY.map((day) => (
          <label key={day.value} className="flex cursor-pointer items-center gap-1.5 rounded-lg border border-zinc-300 px-2 py-1 text-sm has-checked:border-brand-500 has-checked:bg-brand-50">
            <input
              type="checkbox"
              name={name}
              className="size-4 accent-brand-600"
              checked={value.includes(day.value)}
              onChange={() => onChange(toggled(value, day.value))}
            />
            <abbr title={day.long} className="no-underline">
              {day.short}
            </abbr>
          </label>
        ))}
      </div>
      {children}
      {error && <p className="mt-1 text-xs font-medium text-red-600">{error}</p>}
    </fieldset>
  );
}
