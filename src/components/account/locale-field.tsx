import { formatDateTimeIn, formatNumberIn, LOCALE_LABELS, SUPPORTED_LOCALES, type SupportedLocale } from "~/lib/schemas/locale";
import { SelectField } from "../ui/select-field";

/** A fixed moment for the example, so the hint changes only with the choices it shows. */
const EXAMPLE_INSTANT = new Date("2026-03-10T16:45:00Z");

/**
 * The user's locale (account.updateLocale): how their emails and the pages (useLocale) write
 * dates, times and numbers. The hint shows the choice on the reader's clock, as their mail will show it.
 */
export function LocaleField({ value, timeZone, error, onChange }: { value: SupportedLocale; timeZone: string; error?: string; onChange: (locale: SupportedLocale) => void }) {
  const example = `${formatDateTimeIn(value, timeZone, EXAMPLE_INSTANT)} · ${formatNumberIn(value, 1234.5)}`;
  return (
    <SelectField
      label="Date and number format"
      value={value}
      error={error}
      hint={`Like this: ${example}. The words stay in English.`}
      onChange={(event) => onChange(event.target.value as SupportedLocale)}
      className="max-w-sm"
    >
      {SUPPORTED_LOCALES.map((locale) => (
        <option key={locale} value={locale}>
          {LOCALE_LABELS[locale]}
        </option>
      ))}
    </SelectField>
  );
}
