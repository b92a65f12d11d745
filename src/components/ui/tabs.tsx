"use client";

import { useId, type KeyboardEvent, type ReactNode } from "react";
import { cn } from "./cn";

/**
 * The WAI-ARIA tabs pattern (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/), with
 * automatic activation: one tab stop for the whole list (roving tabindex), Left/Right
 * arrows move and select (wrapping), Home/End jump to the ends; each tab controls its
 * panel and each panel is labelled by its tab. The list and the panels are placed
 * separately (a toolbar may sit between them), so they share ids through `useTabs`.
 */
export function useTabs<T extends string>(values: readonly T[], selected: T, onSelect: (value: T) => void) {
  const base = useId();
  const tabId = (value: T) => `${base}-tab-${value}`;
  const panelId = (value: T) => `${base}-panel-${value}`;

  const onKeyDown = (event: KeyboardEvent) => {
    const index = values.indexOf(selected);
    const target = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: values.length - 1 }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = values[(target + values.length) % values.length]!;
    onSelect(next);
    document.getElementById(tabId(next))?.focus();
  };

  return {
    values,
    selected,
    onSelect,
    onKeyDown,
    tab: (value: T) => ({
      id: tabId(value),
      role: "tab" as const,
      type: "button" as const,
      "aria-selected": value === selected,
      "aria-controls": panelId(value),
      tabIndex: value === selected ? 0 : -1,
      onClick: () => onSelect(value),
    }),
    panel: (value: T) => ({ id: panelId(value), role: "tabpanel" as const, "aria-labelledby": tabId(value), hidden: value !== selected, tabIndex: 0 }),
  };
}

export type Tabs<T extends string> = ReturnType<typeof useTabs<T>>;

/** The styled tab list (segmented control look). */
export function TabList<T extends string>({ tabs, label, labels, className }: { tabs: Tabs<T>; label: string; labels: Record<T, ReactNode>; className?: string }) {
  return (
    <div role="tablist" aria-label={label} onKeyDown={tabs.onKeyDown} className={cn("inline-flex rounded-lg bg-zinc-100 p-1", className)}>
      {tabs.values.map((value) => (
        <button
          key={value}
          {...tabs.tab(value)}
          className={cn(
            "rounded-md px-3 py-1.5 text-sm font-medium focus-visible:outline-2 focus-visible:outline-brand-600",
            value === tabs.selected ? "bg-white text-zinc-900 shadow-sm" : "text-zinc-600 hover:text-zinc-900",
          )}
        >
          {labels[value]}
        </button>
      ))}
    </div>
  );
}

/** Every tab's panel; only the selected one is shown (and only its content is rendered). */
export function TabPanels<T extends string>({ tabs, children, className }: { tabs: Tabs<T>; children: (value: T) => ReactNode; className?: string }) {
  return (
    <>
      {tabs.values.map((value) => (
        <div key={value} {...tabs.panel(value)} className={cn("focus-visible:outline-2 focus-visible:outline-brand-600", className)}>
          {value === tabs.selected ? children(value) : null}
        </div>
      ))}
    </>
  );
}
