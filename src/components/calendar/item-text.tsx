import type { ReactNode } from "react";
import { cn } from "../ui/cn";
import { Spinner } from "../ui/spinner";

export type BlockState = "creating" | "active" | "failed";

/** The focus marker, the same for DevPulse's blocks and a calendar's own focus time. */
function Tag({ tone, children }: { tone: "focus" | "pending" | "failed"; children: ReactNode }) {
  return (
    <span
      className={cn(
        "mr-1 inline-flex shrink-0 items-center gap-0.5 rounded px-1 text-[10px] font-semibold uppercase leading-4 tracking-wide",
        tone === "focus" && "bg-zinc-900 text-white",
        tone === "pending" && "bg-white text-zinc-800 ring-1 ring-zinc-300",
        tone === "failed" && "bg-red-700 text-white",
      )}
    >
      {children}
    </span>
  );
}

/**
 * One event or focus block as the week shows it, in its calendar's colour: the title (in
 * italics where the calendar's title is not kept: "Busy", "Private event"), its time and
 * calendar. Focus time carries a marker; a block still being made or refused says so.
 */
export function ItemText({
  title,
  hiddenTitle = false,
  time,
  detail,
  accent,
  fill,
  focus = false,
  tentative = false,
  block,
  compact = false,
}: {
  title: string;
  hiddenTitle?: boolean;
  time?: string;
  detail: string;
  accent: string;
  fill: string;
  focus?: boolean;
  tentative?: boolean;
  block?: BlockState;
  compact?: boolean;
}) {
  const failed = block === "failed";
  const tag =
    block === "creating" ? (
      <Tag tone="pending">
        <Spinner className="size-2.5" /> Adding
      </Tag>
    ) : failed ? (
      <Tag tone="failed">Failed</Tag>
    ) : block || focus ? (
      <Tag tone="focus">Focus</Tag>
    ) : null;
  return (
    <span
      className={cn(
        "flex size-full overflow-hidden rounded-md border-l-4 px-1.5 py-0.5 text-xs leading-tight text-zinc-900",
        compact ? "flex-row items-center" : "flex-col",
        block && "border-y border-r",
        (block === "creating" || tentative) && "border-dashed",
        failed && "border-red-600 bg-red-50",
      )}
      style={failed ? undefined : { borderColor: accent, backgroundColor: block === "creating" ? "#ffffff" : fill }}
    >
      <span className={cn("flex min-w-0 items-center", compact && "shrink-0")}>
        {tag}
        {compact ? null : <span className={cn("truncate font-medium", hiddenTitle && "italic")}>{title}</span>}
      </span>
      {compact ? (
        <span className="min-w-0 truncate">
          <span className={cn("font-medium", hiddenTitle && "italic")}>{title}</span>
          {time && <span className="text-zinc-700"> {time}</span>}
        </span>
      ) : (
        time && <span className="truncate tabular-nums text-zinc-700">{time}</span>
      )}
      <span className={compact ? "sr-only" : "truncate text-zinc-700"}>
        {compact ? `, ${detail}` : detail}
      </span>
    </span>
  );
}
