import type { Inngest } from "inngest";
import { databaseConfigFromEnv } from "../db/client";
import { getEnv } from "../env";
import { getInngestClient, jobModeOf, type JobMode } from "./client";
import { parseJobEvent, type JobEvent } from "./events";
import { jobFunctions } from "./functions";
import { sendingTo } from "../health/outbound";
import { createInProcessRunner, type InProcessRunner } from "./runner";

const holder = globalThis as typeof globalThis & { __devpulseJobRunner?: InProcessRunner };

/** The process's embedded job engine (it resumes due work and starts crons with `startJobSchedules`). */
export function getJobRunner(): InProcessRunner {
  holder.__devpulseJobRunner ??= createInProcessRunner({
    jobs: jobFunctions,
    // PGlite's folder is opened by one process only: whatever was running there belonged to a process now gone.
    exclusiveDatabase: databaseConfigFromEnv().driver === "pglite",
  });
  return holder.__devpulseJobRunner;
}

/** Replaces the process's runner (tests use one with short retry delays). */
export function useJobRunner(runner: InProcessRunner) {
  void holder.__devpulseJobRunner?.stop({ graceMs: 0 });
  holder.__devpulseJobRunner = runner;
}

export function createJobSender(engine: { mode: JobMode; inngest: () => Inngest; runner: () => InProcessRunner }) {
  return {
    mode: engine.mode,
    /** Validates against the event catalog, then hands the events to Inngest or the in-process runner. */
    async send(input: JobEvent | JobEvent[]): Promise<{ ids: string[] }> {
      const events = (Array.isArray(input) ? input : [input]).map(parseJobEvent);
      if (engine.mode === "in-process") return engine.runner().dispatch(events);
      const sent = await sendingTo("inngest", () => engine.inngest().send(events));
      return { ids: sent.ids };
    },
  };
}

/** The one way code starts background work: `await jobs.send({ name, data })`. */
export const jobs = {
  send(input: JobEvent | JobEvent[]) {
    return createJobSender({ mode: jobModeOf(getEnv()), inngest: getInngestClient, runner: getJobRunner }).send(input);
  },
};

/** At server start: with no Inngest configured, this process resumes the durable runs and runs the cron schedules itself. */
export async function startJobSchedules(): Promise<JobMode> {
  const mode = jobModeOf(getEnv());
  if (mode === "in-process") await getJobRunner().start();
  return mode;
}

/** At shutdown: the embedded engine stops claiming and lets running steps finish (up to `graceMs`); the rest resumes at the next start. */
export async function stopJobEngine(graceMs?: number): Promise<void> {
  await holder.__devpulseJobRunner?.stop({ graceMs });
}
