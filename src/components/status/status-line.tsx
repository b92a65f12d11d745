import { useLocale } from "../ui/locale";
import type { CurrentStatusView } from "./use-status";
import { SOURCE_LABELS, untilLabel } from "./format";

/** What DevPulse shows now, in one line: the emoji, the text, until when and who asked. */
export function StatusLine({ status, size = "lg" }: { status: CurrentStatusView["status"]; size?: "lg" | "sm" }) {
  const locale = useLocale();
  if (!status) {
    return (
      <div className="flex items-center gap-3">
        <span aria-hidden="true" className={size === "lg" ? "flex size-12 items-center justify-center rounded-full bg-zinc-100 text-xl text-zinc-600" : "text-lg text-zinc-600"}>
          –
        </span>
        <div>
          <p className={size === "lg" ? "text-lg font-semibold text-zinc-900" : "font-medium text-zinc-900"}>No status</p>
          <p className="text-sm text-zinc-500">DevPulse shows nothing on your chat apps right now.</p>
        </div>
      </div>
    );
  }
  const emoji = status.discordEmoji || "💬";
  return (
    <div className="flex items-center gap-3">
      <span aria-hidden="true" className={size === "lg" ? "flex size-12 shrink-0 items-center justify-center rounded-full bg-brand-50 text-2xl" : "text-xl"}>
        {emoji}
      </span>
      <div className="min-w-0">
        <p className={size === "lg" ? "truncate text-lg font-semibold text-zinc-900" : "truncate font-medium text-zinc-900"}>{status.text}</p>
        <p className="text-sm text-zinc-500">
          {status.focusUntil ? `Focus ${untilLabel(locale, status.focusUntil)}` : untilLabel(locale, status.expiresAt)}, {SOURCE_LABELS[status.source]}
        </p>
      </div>
    </div>
  );
}
