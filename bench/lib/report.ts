/** The machine description and the Markdown report (printed, and written to its own section of bench/RESULTS.md). */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

/** The Postgres server the benchmarks create their throwaway databases on. */
export const POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432/postgres";

/** Numbers as the reports print them: grouped, with a fixed number of decimals. */
export const fmt = (value: number, digits = 0) => value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const ms = (value: number) => `${fmt(value, 1)} ms`;

export type Machine = { cpus: string; memory: string; cpuModel: string; node: string; postgres: string };

export function describeMachine(postgresVersion: string): Machine {
  const meminfo = readFileSync("/proc/meminfo", "utf8");
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const memKiB = Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0);
  return {
    cpus: execFileSync("nproc", { encoding: "utf8" }).trim(),
    memory: `${(memKiB / 1024 / 1024).toFixed(1)} GiB`,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    node: process.version,
    postgres: postgresVersion,
  };
}

export type Row = { what: string; value: string; baseline?: string; ratio?: string; target?: string; met?: boolean };

export type CpuRow = { phase: string; wallS: number; clientS: number; serverS: number; postgresS: number; otherS: number };

export type Report = {
  date: string;
  cpu: CpuRow[];
  durationS: number;
  startupS: number;
  machine: Machine;
  rows: Row[];
  serverRss: string;
  notes: string[];
};

const cell = (text: string | undefined) => (text ?? "—").replace(/\|/g, "\\|");
const seconds = (value: number) => `${value.toFixed(2)} s`;
/** CPU seconds and, in brackets, how many CPUs that kept busy on average. */
const share = (cpu: number, wall: number) => `${seconds(cpu)} (${(cpu / wall).toFixed(2)} CPUs)`;
const yesNo = (met: boolean | undefined) => (met === undefined ? "—" : met ? "✅ yes" : "❌ no");

export function renderReport(report: Report): string {
  const { machine } = report;
  return [
    `### Results — ${report.date}`,
    "",
    "| Measurement | Value | Baseline | Ratio | Target | Met? |",
    "|---|---|---|---|---|---|",
    ...report.rows.map((row) => `| ${[row.what, row.value, row.baseline, row.ratio, row.target].map(cell).join(" | ")} | ${yesNo(row.met)} |`),
    "",
    "Where the time went: CPU seconds spent during each phase by the benchmark client (this process), the server",
    "process, the Postgres backends of the benchmark database, and every other process on the machine; in brackets,",
    `how many of the machine's ${machine.cpus} CPUs that kept busy on average. A large *other* share means the machine was shared.`,
    "",
    "| Phase | Wall | Client CPU | Server CPU | Postgres CPU | Other processes |",
    "|---|---|---|---|---|---|",
    ...report.cpu.map(
      (row) =>
        `| ${row.phase} | ${seconds(row.wallS)} | ${share(row.clientS, row.wallS)} | ${share(row.serverS, row.wallS)} | ${share(row.postgresS, row.wallS)} | ${share(row.otherS, row.wallS)} |`,
    ),
    "",
    `- **Server peak RSS:** ${report.serverRss}`,
    `- **Machine:** ${machine.cpus} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memory} RAM`,
    `- **Node:** ${machine.node}; **Postgres:** ${machine.postgres}`,
    `- **Run time:** ${report.durationS.toFixed(0)} s in total, of which ${report.startupS.toFixed(0)} s starting the server (including a build when the sources changed)`,
    "",
    ...report.notes.map((note) => `- ${note}`),
    "",
  ].join("\n");
}

const RESULTS_HEADER = `# Benchmark results

One section per benchmark. Each run of \`npm run bench:<name>\` replaces only its own section, between
its \`<!-- bench:<name> -->\` and \`<!-- /bench:<name> -->\` markers, and leaves the others alone.
The code is in \`bench/\` (see bench/README.md).
`;

/**
 * Replaces the `name` section of a results file (bench/RESULTS.md, RELIABILITY.md), between
 * `<!-- bench:name -->` and `<!-- /bench:name -->`, with `content`, or appends it when the file has
 * none yet; everything else in the file stays as it was, and a file without `header` gets it on top. Writes through a temporary file, so
 * an interrupted run never leaves half a file.
 */
export function writeSection(path: string, name: string, content: string, header = RESULTS_HEADER): void {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${begin}\n${content.trim()}\n${end}`;
  let text = existsSync(path) ? readFileSync(path, "utf8") : "";
  // A file from before sections (or none): keep whatever it holds, below the header.
  if (!text.startsWith(header.split("\n", 1)[0]!)) text = `${header}\n${text.trim()}`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end, from);
  text = from >= 0 && to > from ? text.slice(0, from) + block + text.slice(to + end.length) : `${text.trimEnd()}\n\n${block}\n`;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text.endsWith("\n") ? text : `${text}\n`);
  renameSync(temporary, path);
}
