import { appendFileSync } from "node:fs";

/**
 * What a reliability check tried and what it found, for RELIABILITY.md (scripts/reliability.ts
 * collects one JSON line per figure from the file RELIABILITY_FIGURES names).
 */
export type Figure = {
  /** The part of the product under trial: "Sync and conflicts", "Every boundary"… */
  area: string;
  check: string;
  /** What one trial is, in the plural ("pushes retried with their key"). */
  trials: string;
  tried: number;
  /** Trials that lost, duplicated or leaked something: every check requires 0. */
  lost: number;
  /** What "lost" counts here, and anything else measured. */
  detail: string;
  seconds: number;
};

/** Full-run and CI-sized counts: `npm run test:reliability -- --ci` runs the second. */
export function scaled(full: number, ci: number): number {
  return process.env.RELIABILITY_SCALE === "ci" ? ci : full;
}

export function recordFigure(figure: Figure): void {
  const file = process.env.RELIABILITY_FIGURES;
  if (file) appendFileSync(file, `${JSON.stringify(figure)}\n`);
}

/** Runs `trial` and records its figure with the time it took. */
export async function measured(figure: Omit<Figure, "seconds" | "tried" | "lost" | "detail">, trial: () => Promise<{ tried: number; lost: number; detail: string }>): Promise<Figure> {
  const started = performance.now();
  const outcome = await trial();
  const result = { ...figure, ...outcome, seconds: Math.round((performance.now() - started) / 100) / 10 };
  recordFigure(result);
  return result;
}
