import { twMerge } from "tailwind-merge";

/**
 * Joins class names, skipping falsy ones; a later Tailwind class overrides an earlier one of the
 * same kind (tailwind-merge), so a caller's `text-red-700` beats a variant's `text-zinc-700`
 * instead of losing to it by stylesheet order.
 */
export function cn(...classes: Array<string | false | null | undefined>): string {
  return twMerge(classes);
}
