/** The machine description and the Markdown report (printed and written to bench/RESULTS.md). */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

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
    `## Results — ${report.date}`,
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

const HEADER = `# Sync benchmark

Run with \`npm run bench:sync\` (needs the Postgres server at 127.0.0.1:5432, user \`postgres\`;
the first run builds the app). Each run creates a fresh database, starts the production server
(\`scripts/start.mjs\`) on it, sets users and devices up through the public API (register,
next-auth sign-in, device grant), measures, then stops the server and drops the database.
This file is replaced on every run; the code is in \`bench/\`.

What the numbers mean:

- **Client encryption**: \`encryptRecord\` + \`checksumOf\` of ~1 KB activity records on this machine
  (the desktop app's cost, not the server's).
- **Push / pull throughput**: 10,000 pre-encrypted records pushed with \`sync.push\` in sequential
  batches of 500, then pulled back with \`sync.pull\` pages of 1,000, over HTTP from one device.
- **Baseline**: the same rows written by raw postgres.js to the same database as one multi-row
  \`INSERT … ON CONFLICT DO UPDATE\` plus one history insert per batch of 500, one transaction per
  batch, into tables with the same columns, keys and foreign keys as \`sync_records\`/\`sync_revisions\`;
  and \`SELECT … WHERE seq > $1 ORDER BY seq LIMIT 1000\` pages from \`sync_records\`. That is the
  physical floor; the ratio is the server's share of it.
- **Latency under concurrency**: 50 devices each push 100 new records at the same instant, for
  several rounds; the wall time of each push as the client sees it. A user's pushes are
  serialised on the user's \`sync_state\` row by design, so 50 devices of **one** user queue
  behind each other; 50 devices of **50 different** users do not. The p99 baseline is the time
  the raw-SQL floor would need for a whole round, i.e. the earliest the last push could finish.
- **Where the time went**: CPU seconds per phase of the client, the server, Postgres and anything
  else on the machine. For a breakdown inside a push or pull, run \`npx tsx bench/profile.ts\`
  (writes \`bench/PROFILE.md\`).

`;

export function writeResults(path: string, body: string): void {
  writeFileSync(path, HEADER + body);
}
