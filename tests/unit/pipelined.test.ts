import { describe, expect, it } from "vitest";
import { pipelined } from "~/client/pipelined";

/** A send whose answers arrive when the test says so, recording what is in flight. */
function controlledSends<T>() {
  const waiting = new Map<T, { resolve: (value: string) => void; reject: (error: Error) => void }>();
  let inFlight = 0;
  let maxInFlight = 0;
  const started: T[] = [];
  const send = (item: T) =>
    new Promise<string>((resolve, reject) => {
      started.push(item);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const done = () => (inFlight -= 1);
      waiting.set(item, { resolve: (value) => (done(), resolve(value)), reject: (error) => (done(), reject(error)) });
    });
  return { send, waiting, started, maxInFlight: () => maxInFlight };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("pipelined", () => {
  it("keeps at most `depth` sends in flight and settles results in item order, whatever order they arrive in", async () => {
    const sends = controlledSends<number>();
    const settled: string[] = [];
    const run = pipelined([1, 2, 3, 4], 2, sends.send, (item, result) => void settled.push(`${item}:${result}`));
    await tick();
    expect(sends.started).toEqual([1, 2]); // the second is sent before the first answers
    sends.waiting.get(2)!.resolve("b"); // answers out of order
    await tick();
    expect(settled).toEqual([]); // 2 waits for 1
    expect(sends.started).toEqual([1, 2]);
    sends.waiting.get(1)!.resolve("a");
    await tick();
    expect(settled).toEqual(["1:a", "2:b"]);
    expect(sends.started).toEqual([1, 2, 3, 4]); // each settle made room for one more
    sends.waiting.get(3)!.resolve("c");
    sends.waiting.get(4)!.resolve("d");
    await run;
    expect(settled).toEqual(["1:a", "2:b", "3:c", "4:d"]);
    expect(sends.maxInFlight()).toBe(2);
  });

  it("depth 1 sends one at a time", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const order: number[] = [];
    await pipelined(
      [1, 2, 3],
      1,
      async (item) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await tick();
        inFlight -= 1;
        return item * 10;
      },
      (_, result) => void order.push(result),
    );
    expect(maxInFlight).toBe(1);
    expect(order).toEqual([10, 20, 30]);
  });

  it("after a failed send starts nothing new, still settles every send that landed, then throws the first error", async () => {
    const sends = controlledSends<number>();
    const settled: number[] = [];
    const run = pipelined([1, 2, 3, 4, 5], 2, sends.send, (item) => void settled.push(item));
    const outcome = run.then(
      () => "resolved",
      (error: Error) => error.message,
    );
    await tick();
    sends.waiting.get(1)!.resolve("a");
    await tick();
    await tick();
    expect(sends.started).toEqual([1, 2, 3]);
    sends.waiting.get(2)!.reject(new Error("network down"));
    sends.waiting.get(3)!.resolve("c"); // already sent when 2 failed: its write landed
    expect(await outcome).toBe("network down");
    expect(settled).toEqual([1, 3]);
    expect(sends.started).toEqual([1, 2, 3]); // 4 and 5 were never sent
  });

  it("starts nothing new once any send failed, even one younger than the batch still awaited", async () => {
    const sends = controlledSends<number>();
    const settled: number[] = [];
    const outcome = pipelined([1, 2, 3], 2, sends.send, (item) => void settled.push(item)).then(
      () => "resolved",
      (error: Error) => error.message,
    );
    await tick();
    sends.waiting.get(2)!.reject(new Error("refused")); // fails while 1 is still on its way
    await tick();
    sends.waiting.get(1)!.resolve("a");
    expect(await outcome).toBe("refused");
    expect(settled).toEqual([1]);
    expect(sends.started).toEqual([1, 2]); // 3 was never sent
  });

  it("settles the sends already started when a send throws synchronously", async () => {
    const settled: number[] = [];
    await expect(
      pipelined(
        [1, 2],
        2,
        (item) => {
          if (item === 2) throw new Error("cannot encode");
          return Promise.resolve(item);
        },
        (item) => void settled.push(item),
      ),
    ).rejects.toThrow("cannot encode");
    expect(settled).toEqual([1]);
  });

  it("treats a depth below one, or not a number, as one", async () => {
    for (const depth of [0, -3, Number.NaN]) {
      let inFlight = 0;
      let maxInFlight = 0;
      await pipelined(
        [1, 2, 3],
        depth,
        async () => {
          maxInFlight = Math.max(maxInFlight, ++inFlight);
          await tick();
          inFlight -= 1;
        },
        () => undefined,
      );
      expect(maxInFlight).toBe(1);
    }
  });

  it("a settle that throws stops further sends the same way", async () => {
    const settled: number[] = [];
    const sent: number[] = [];
    await expect(
      pipelined(
        [1, 2, 3, 4],
        2,
        async (item) => (sent.push(item), item),
        (item) => {
          if (item === 1) throw new Error("disk full");
          settled.push(item);
        },
      ),
    ).rejects.toThrow("disk full");
    expect(settled).toEqual([2]);
    expect(sent).toEqual([1, 2]);
  });
});
