import { until } from "./until";

/** A server-sent-event response read as text as it arrives: what has come so far, waiting for a part of it, and its end. */
export function readEventStream(response: Response) {
  let text = "";
  const decoder = new TextDecoder();
  const reader = response.body!.getReader();
  const ended = (async () => {
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true });
    } catch {
      // the client hung up
    }
  })();
  return {
    text: () => text,
    ended,
    waitFor: async (part: string) => void (await until(() => text, (sofar) => sofar.includes(part), 10_000, 10)),
    cancel: () => void reader.cancel().catch(() => undefined),
  };
}
