/**
 * What a benchmark must undo however it ends (done, failed, Ctrl-C): registered as it
 * goes, run once in reverse order, each step on its own so one failure does not skip the rest.
 */
export const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const steps: Array<{ what: string; run: () => Promise<unknown> | unknown }> = [];
let cleaning: Promise<void> | undefined;

export function onCleanup(what: string, run: () => Promise<unknown> | unknown) {
  steps.push({ what, run });
}

export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const { what, run } of steps.reverse()) {
      try {
        log(`cleanup: ${what}`);
        await run();
      } catch (error) {
        log(`cleanup of ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  })();
  return cleaning;
}

/** A bench's (or the load run's) entry: run `main`, report a failure with its stack and exit code 1, and clean up either way. */
export async function runBench(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
