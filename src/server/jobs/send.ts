import type { Inngest } from "inngest";
import { getEnv } from "../env";
import { getInngestClient, jobModeOf, type JobMode } from "./client";
import { parseJobEvent, type JobEvent } from "./events";
import { jobFunctions } from "./functions";
import { createInProcessRunner, type InProcessRunner } from "./runner";

const holder = globalThis as typeof globalThis & { __devpulseJobRunner?: InProcessRunner };

/** The process's embedded job engine (crons start only with `startJobSchedules`). */
export function getJobRunner(): InProcessRunner {
  holder.__devpulseJobRunner ??= createInProcessRunner({ jobs: jobFunctions });
  return holder.__devpulseJobRunner;
}

/** Replaces the process's runner (tests use one with short retry delays). */
export function useJobRunner(runner: InProcessRunner) {
  holder.__devpulseJobRunner?.stop();
  holder.__devpulseJobRunner = runner;
}

export function createJobSender(engine: { mode: JobMode; inngest: () => Inngest; runner: () => InProcessRunner }) {
  return {
    mode: engine.mode,
    /** Validates against the event catalog, then hands the events to Inngest or the in-process runner. */
    async send(input: JobEvent | JobEvent[]): Promise<{ ids: string[] }> {
      const events = (Array.isArray(input) ? input : [input]).map(parseJobEvent);
      if (engine.mode === "in-process") return engine.runner().dispatch(events);
      const sent = await engine.inngest().send(events);
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

/** At server start: with no Inngest configured, this process runs the cron schedules itself. */
export function startJobSchedules(): JobMode {
  const mode = jobModeOf(getEnv());
  if (mode === "in-process") getJobRunner().start();
  return mode;
}
