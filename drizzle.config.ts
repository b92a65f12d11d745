import { defineConfig } from "drizzle-kit";

// Only `drizzle-kit generate` reads this: it diffs the schema against the committed
// migrations and needs no database. Migrations are applied by scripts/migrate.ts
// and at server start-up (src/instrumentation.ts), on PGlite or postgres.js alike.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/server/db/schema.ts",
  out: "./drizzle",
  casing: "snake_case",
});
