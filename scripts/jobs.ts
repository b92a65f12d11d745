// `npm run jobs -- list [--status failed] | retry <runId> | cancel <runId>`: for operators of the
// embedded job engine. Lists every user's and the system's runs, requeues a failed or cancelled one
// (its completed steps are kept), or cancels one that has not finished.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { databaseConfigFromEnv, openDatabase, type DatabaseConfig } from "../src/server/db/client";
import { applyMigrations } from "../src/server/db/migrate";
import { jobRunStatuses, type JobRunStatus } from "../src/server/db/schema";
import { getEnv } from "../src/server/env";
import { AppError } from "../src/server/errors";
import { jobModeOf } from "../src/server/jobs/client";
import { DEFAULT_RETRIES } from "../src/server/jobs/define-job";
import { jobFunctions } from "../src/server/jobs/functions";
import { cancelJobRun, listAllJobRuns, retryJobRun } from "../src/server/jobs/runs";
import { jobs } from "../src/server/jobs/send";

const USAGE = `Usage:
  npm run jobs -- list [--status <${jobRunStatuses.join("|")}>] [--limit <1-1000>]
  npm run jobs -- retry <runId>
  npm run jobs -- cancel <runId>
Options:
  --force   open a PGlite folder that looks in use (only when no server runs on it, e.g. after a crash)`;

function usage(problem?: string): never {
  if (problem) console.error(problem);
  console.error(USAGE);
  process.exit(2);
}

type Command = { name: "list"; status?: JobRunStatus; limit: number } | { name: "retry" | "cancel"; runId: string };

function parseCommand(argv: string[]): { command: Command; force: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { status: { type: "string" }, limit: { type: "string" }, force: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const [name, runId, ...extra] = positionals;
  const force = values.force ?? false;
  if (name === "list") {
    if (runId !== undefined) usage(`list takes no run id.`);
    const status = values.status;
    if (status !== undefined && !(jobRunStatuses as readonly string[]).includes(status)) usage(`Unknown status "${status}".`);
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) usage(`--limit must be a whole number from 1 to 1000.`);
    return { command: { name, status: status as JobRunStatus | undefined, limit }, force };
  }
  if (name === "retry" || name === "cancel") {
    if (values.status !== undefined || values.limit !== undefined) usage(`--status and --limit go with list.`);
    if (!runId || extra.length > 0) usage(`${name} takes exactly one run id.`);
    return { command: { name, runId }, force };
  }
  usage(name ? `Unknown command "${name}".` : undefined);
}

/**
 * PGlite does not lock its folder, and two processes on one folder corrupt it: while the server
 * has it open, PGlite keeps a postmaster.pid there (removed on a clean close, left after a crash).
 */
function refuseFolderInUse(config: DatabaseConfig, force: boolean) {
  if (config.driver !== "pglite" || config.dataDir.startsWith("memory://") || force) return;
  if (!existsSync(join(config.dataDir, "postmaster.pid"))) return;
  console.error(
    `The database folder ${config.dataDir} is in use: PGlite allows one process per folder, and the server may have it open.\n` +
      `Stop the server, run this command, then start the server again (it picks up requeued runs at start).\n` +
      `If no server runs on this folder (it was killed), add --force.`,
  );
  process.exit(1);
}

const maxAttempts = new Map(jobFunctions.map((job) => [job.id, (job.config.retries ?? DEFAULT_RETRIES) + 1]));

const time = (date: Date | null) => (date ? date.toISOString().replace("T", " ").slice(0, 19) + "Z" : "-");
const oneLine = (text: string | null, max: number) => {
  const flat = (text ?? "").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat || "-";
};

function printTable(rows: string[][]) {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) console.log(row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  "));
}

const { command, force } = parseCommand(process.argv.slice(2));
const config = databaseConfigFromEnv();
refuseFolderInUse(config, force);
const mode = jobModeOf(getEnv());

const handle = await openDatabase(config);
try {
  await applyMigrations(handle);
  if (command.name === "list") {
    const runs = await listAllJobRuns(handle.db, { status: command.status, limit: command.limit });
    if (runs.length === 0) console.log(command.status ? `No ${command.status} job runs.` : "No job runs.");
    else {
      printTable([
        ["RUN ID", "JOB", "STATUS", "ATTEMPT", "NEXT AT", "STARTED", "FINISHED", "USER", "ERROR"],
        ...runs.map((run) => [
          run.runId,
          run.functionId,
          run.status,
          `${run.attempt + 1}/${maxAttempts.get(run.functionId) ?? DEFAULT_RETRIES + 1}`,
          time(run.nextAt),
          time(run.startedAt),
          time(run.finishedAt),
          run.userId ?? "(system)",
          oneLine(run.error, 60),
        ]),
      ]);
      console.log(`\n${runs.length} run(s), newest first${runs.length === command.limit ? ` (the latest ${command.limit}; --limit shows more)` : ""}.`);
    }
  } else if (command.name === "retry") {
    // No wake-up here: this process runs no engine. The server's claim loop finds the run when it is due.
    const retried = await retryJobRun(handle.db, { runId: command.runId, operator: true }, { mode, send: (event) => jobs.send(event) });
    console.log(`${command.runId}: ${retried.message}`);
    if (retried.outcome === "requeued") console.log("A running server picks it up within its poll interval; a stopped one at its next start.");
    else console.log(`Event id(s): ${retried.eventIds.join(", ")}`);
  } else {
    if (mode === "inngest") {
      console.error("Jobs run on Inngest here: cancel the run in Inngest's dashboard (this database only records it).");
      process.exitCode = 1;
    } else {
      const result = await cancelJobRun(handle.db, command.runId);
      if (!result) {
        console.error(`No job run has the id ${command.runId}.`);
        process.exitCode = 1;
      } else if (!result.cancelled) {
        console.error(`${command.runId} has already finished (${result.status}); nothing to cancel.`);
        process.exitCode = 1;
      } else console.log(`${command.runId}: cancelled. A step executing right now finishes, but the run does not go on.`);
    }
  }
} catch (error) {
  if (!(error instanceof AppError)) throw error;
  console.error(`${"runId" in command ? `${command.runId}: ` : ""}${error.message}`);
  process.exitCode = 1;
} finally {
  await handle.close();
}
