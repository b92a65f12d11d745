/**
 * Runs `send` for each item with at most `depth` sends in flight, and `settle` for
 * each result strictly in item order. The next batch is prepared and sent while the
 * server is still writing the previous one, so a long push costs about the slower
 * of the two sides rather than their sum.
 *
 * When a send (or a settle) fails, no further send starts, but every send already
 * started is still awaited and the successful ones are settled — their writes landed
 * on the server and must not be forgotten — and then the first error is thrown.
 */
export async function pipelined<T, R>(
  items: readonly T[],
  depth: number,
  send: (item: T) => Promise<R>,
  settle: (item: T, result: R) => Promise<void> | void,
): Promise<void> {
  type Outcome = { ok: true; value: R } | { ok: false; error: unknown };
  const limit = Math.max(1, Math.floor(depth) || 1);
  const inFlight: { item: T; outcome: Promise<Outcome> }[] = [];
  let failure: { error: unknown } | undefined;
  // Set the moment any send or settle fails — a send possibly younger than the one awaited — so no new send starts.
  let stopped = false;

  const settleOldest = async () => {
    const { item, outcome } = inFlight.shift()!;
    const done = await outcome;
    if (!done.ok) {
      failure ??= { error: done.error };
      return;
    }
    try {
      await settle(item, done.value);
    } catch (error) {
      stopped = true;
      failure ??= { error };
    }
  };

  for (const item of items) {
    if (stopped) break;
    inFlight.push({
      item,
      // Through a promise even if `send` throws synchronously, so the sends already started are still settled.
      outcome: Promise.resolve()
        .then(() => send(item))
        .then(
          (value): Outcome => ({ ok: true, value }),
          (error: unknown): Outcome => {
            stopped = true;
            return { ok: false, error };
          },
        ),
    });
    if (inFlight.length >= limit) await settleOldest();
  }
  while (inFlight.length > 0) await settleOldest();
  if (failure) throw failure.error;
}
