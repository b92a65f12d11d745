import { existsSync, readFileSync } from "node:fs";
import type { Figure } from "./figures";

/**
 * RELIABILITY.md: the figures of `npm run test:reliability` and of `npm run test:load`, each run
 * writing its own section (bench/lib/report.ts writeSection), so a run of one keeps the other's.
 */
export const RELIABILITY_HEADER = `# Reliability figures

What was tried, how many times, and what was lost, which must be nothing. Two runs write this file,
each its own section, and leave the other's alone:
- \`npm run test:reliability\`: the trials of \`tests/reliability/\` (\`.ci/run\` runs them CI-sized);
- \`npm run test:load\`: the mixed workload and the soak of \`tests/load/load.ts\` against the production server (not in CI).
`;

export function readFigures(file: string): Figure[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Figure);
}

/** One table per area, in the order the areas first reported (test files run in any order); `areaHeadings: false` for a section that is one area. */
export function renderFigures(figures: readonly Figure[], options: { areaHeadings?: boolean } = {}): string {
  if (figures.length === 0) return "No trial recorded a figure.\n";
  const number = (value: number) => value.toLocaleString("en-US");
  const lines: string[] = [];
  for (const area of new Set(figures.map((figure) => figure.area))) {
    if (options.areaHeadings !== false) lines.push(`### ${area}`, "");
    lines.push("| Check | Tried | Lost | Time | What was counted |", "|---|---|---|---|---|");
    for (const figure of figures.filter((each) => each.area === area)) {
      lines.push(`| ${figure.check} | ${number(figure.tried)} ${figure.trials} | **${number(figure.lost)}** | ${figure.seconds} s | ${figure.detail.replaceAll("|", "\\|")} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}
