import type { ReactNode, SelectHTMLAttributes } from "react";
import { formatMinutes } from "../status/format";
import { SelectField } from "../ui/select-field";
import { BLOCK_DURATIONS, toggled, WEEKDAYS_FROM_MONDAY } from "./options";

/** The calendar forms' choosers: a group of checkboxes, the days of the week, a block's length. */

export function CheckboxGroup<T extends string | number>({ legend, options, value, onChange }: { legend: string; options: ReadonlyArray<{ value: T; label: string }>; value: T[]; onChange: (next: T[]) => void }) {
  return (
    <fieldset>
      <legend className="text-sm font-medium text-zinc-800">{legend}</legend>
      <div className="mt-1.5 flex flex-wrap gap-x-4 gap-y-1.5">
        {options.map((option) => (
          <label key={option.value} className="flex items-center gap-2 text-sm">
            <input type="checkbox" className="size-4 accent-brand-600" checked={value.includes(option.value)} onChange={() => onChange(toggled(value, option.value))} />
            {option.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** Days of the week as a row of checkboxes, Monday first; values are the API's day numbers (0 = Sunday). */
export function WeekdayPicker({ legend, value, onChange, name, error, children }: { legend: string; value: number[]; onChange: (days: number[]) => void; name?: string; error?: string; children?: ReactNode }) {
  return (
    <fieldset>
      <legend className="text-sm font-medium text-zinc-800">{legend}</legend>
      <div className="mt-1.5 flex flex-wrap gap-1.5">
        {WEEKDAYS_FROM_MONDAY.map((day) => (
          <label key={day.value} className="flex cursor-pointer items-center gap-1.5 rounded-lg border border-zinc-300 px-2 py-1 text-sm has-checked:border-brand-500 has-checked:bg-brand-50">
            <input type="checkbox" name={name} className="size-4 accent-brand-600" checked={value.includes(day.value)} onChange={() => onChange(toggled(value, day.value))} />
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

/** A focus block's length in minutes (as a string, the select's value); a length not offered (a booked suggestion's) is added. */
export function DurationSelect({ value, ...select }: SelectHTMLAttributes<HTMLSelectElement> & { label: string; value: string; error?: string }) {
  const minutes = Number(value);
  const options = BLOCK_DURATIONS.some((option) => option.minutes === minutes) ? BLOCK_DURATIONS : [...BLOCK_DURATIONS, { minutes, label: formatMinutes(minutes) }].sort((a, b) => a.minutes - b.minutes);
  return (
    <SelectField value={value} {...select}>
      {options.map((option) => (
        <option key={option.minutes} value={String(option.minutes)}>
          {option.label}
        </option>
      ))}
    </SelectField>
  );
}
