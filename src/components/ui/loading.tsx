import { Spinner } from "./spinner";

/** The one loading placeholder: a spinner and what is being loaded. */
export function Loading({ label }: { label: string }) {
  return (
    <div className="flex items-center justify-center gap-2 py-12 text-sm text-zinc-500" role="status">
      <Spinner /> {label}…
    </div>
  );
}
