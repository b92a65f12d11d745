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

/** Column names as the database sees them (the schema is written in camelCase; drizzle maps it to snake_case). */
export const databaseColumnName = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/**
 * Tables that hold a user's rows: those with a user_id column. Derived from the schema,
 * so account deletion and export cannot forget a table added later.
 */
export function userOwnedTableNames(): string[] {
  return schemaTables()
    .filter((table) => getTableConfig(table).columns.some((column) => databaseColumnName(column.name) === "user_id"))
    .map((table) => getTableConfig(table).name)
    .sort();
}
