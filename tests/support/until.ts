/** Polling for tests that wait on something asynchronous (a job, a double, a worker). */

/** Asks `read` again every `everyMs` until `done` holds for its answer; fails after `timeoutMs` with the last answer. */
export async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, everyMs));
  }
}
