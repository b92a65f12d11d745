import { is } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import * as schema from "./schema";

/** Every table declared in the schema, derived from the schema module itself. */
export function schemaTables(): PgTable[] {
  return (Object.values(schema) as unknown[]).filter((value): value is PgTable => is(value, PgTable));
}

export function schemaTableNames(): string[] {
  return schemaTables()
    .map((table) => getTableConfig(table).name)
    .sort();
}
