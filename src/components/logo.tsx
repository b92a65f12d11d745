import { PulseIcon } from "./icons";

export function Logo({ compact }: { compact?: boolean }) {
  return (
    <span className="inline-flex items-center gap-2 font-semibold tracking-tight text-zinc-900">
      <span className="flex size-8 items-center justify-center rounded-lg bg-gradient-to-br from-brand-500 to-violet-600 text-white shadow-sm">
        <PulseIcon className="size-5" strokeWidth={2.25} />
      </span>
      {!compact && (
        <span>
          DevPulse <span className="text-brand-600">Cloud</span>
        </span>
      )}
    </span>
  );
}
