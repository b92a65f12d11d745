"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { httpBatchLink, httpSubscriptionLink, loggerLink, splitLink, TRPCClientError } from "@trpc/client";
import { createTRPCReact } from "@trpc/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState, type ReactNode } from "react";
import { z } from "zod";
import { transformer } from "~/lib/transformer";
import type { AppRouter } from "~/server/api/root";

// zod 4 probes once whether it may compile parsers with `new Function`; the page's CSP (no
// 'unsafe-eval', src/server/security/page-headers.ts) blocks that, and the browser reports even
// the caught attempt as a violation. Parse without compiling in the browser, from before the first
// parse (this module loads with the root layout). The server has no CSP and keeps compiled parsers.
if (typeof window !== "undefined") z.config({ jitless: true });

/** Typed React hooks for every procedure: `api.devices.list.useQuery()`. */
export const api = createTRPCReact<AppRouter>();

/** Output types of every procedure, for components that take query results as props. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: true,
        // Client errors (bad input, not found, signed out) will not fix themselves on retry.
        retry: (failureCount, error) => {
          const status = error instanceof TRPCClientError ? (error.data as { httpStatus?: number } | undefined)?.httpStatus : undefined;
          return (status === undefined || status >= 500) && failureCount < 2;
        },
      },
    },
  });
}

export function TRPCReactProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    api.createClient({
      links: [
        loggerLink({ enabled: (op) => process.env.NODE_ENV === "development" && op.direction === "down" && op.result instanceof Error }),
        // Subscriptions (realtime events) stream over server-sent events; everything else is batched.
        splitLink({
          condition: (op) => op.type === "subscription",
          true: httpSubscriptionLink({ url: "/api/trpc", transformer }),
          false: httpBatchLink({ url: "/api/trpc", transformer }),
        }),
      ],
    }),
  );
  return (
    <api.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </api.Provider>
  );
}

/** A person-readable message for any tRPC or network error. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    const fieldErrors = (error.data as { zodError?: { formErrors: string[]; fieldErrors: Record<string, string[] | undefined> } } | undefined)?.zodError;
    const first = fieldErrors?.formErrors[0] ?? Object.values(fieldErrors?.fieldErrors ?? {}).flat()[0];
    return first ?? error.message;
  }
  if (error instanceof Error) return error.message === "Failed to fetch" ? "Cannot reach the server. Check your connection." : error.message;
  return "Something went wrong.";
}

/** Field-level messages from a failed mutation, keyed by input field. */
export function fieldErrors(error: unknown): Record<string, string | undefined> {
  if (!(error instanceof TRPCClientError)) return {};
  const zodError = (error.data as { zodError?: { fieldErrors: Record<string, string[] | undefined> } } | undefined)?.zodError;
  return Object.fromEntries(Object.entries(zodError?.fieldErrors ?? {}).map(([field, messages]) => [field, messages?.[0]]));
}
