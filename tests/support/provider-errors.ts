import { expect } from "vitest";
import { ProviderError } from "~/server/integrations/resilience";

/** The ProviderError a provider call rejects with (fails the test when it resolves or throws something else). */
export async function providerErrorOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => null,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}
