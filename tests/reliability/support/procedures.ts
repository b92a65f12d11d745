import { appRouter } from "~/server/api/root";

/** Every procedure of the router, by path, with its kind and input schemas (tRPC's own record of them). */
export function routerProcedures(): Array<{ path: string; type: "query" | "mutation" | "subscription"; inputs: unknown[] }> {
  type Procedure = { _def: { type: "query" | "mutation" | "subscription"; inputs?: unknown[] } };
  const procedures = (appRouter._def as unknown as { procedures: Record<string, Procedure> }).procedures;
  return Object.entries(procedures).map(([path, procedure]) => ({ path, type: procedure._def.type, inputs: procedure._def.inputs ?? [] }));
}
