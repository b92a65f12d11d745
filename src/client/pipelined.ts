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
  const inFlight: { item: T; outcome: Promise<Outcome> }[] = [];
  let failure: { error: unknown } | undefined;

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
      failure ??= { error };
    }
  };

  for (const item of items) {
    if (failure) break;
    inFlight.push({
      item,
      outcome: send(item).then(
        (value): Outcome => ({ ok: true, value }),
        (error: unknown): Outcome => ({ ok: false, error }),
      ),
    });
    if (inFlight.length >= Math.max(1, depth)) await settleOldest();
  }
  while (inFlight.length > 0) await settleOldest();
  if (failure) throw failure.error;
}
