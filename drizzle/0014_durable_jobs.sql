CREATE TABLE "job_concurrency_slots" (
	"function_id" text NOT NULL,
	"concurrency_key" text NOT NULL,
	"slot" integer NOT NULL,
	"run_id" text NOT NULL,
	"lease_until" timestamp with time zone NOT NULL,
	CONSTRAINT "job_concurrency_slots_function_id_concurrency_key_slot_pk" PRIMARY KEY("function_id","concurrency_key","slot")
);
--> statement-breakpoint
CREATE TABLE "job_events" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" uuid,
	"name" text NOT NULL,
	"data" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_schedules" (
	"function_id" text PRIMARY KEY NOT NULL,
	"last_tick_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_steps" (
	"run_id" text NOT NULL,
	"step_key" text NOT NULL,
	"output" jsonb,
	"completed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "job_steps_run_id_step_key_pk" PRIMARY KEY("run_id","step_key")
);
--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "event" jsonb;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "next_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "concurrency_key" text;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "debounce_key" text;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "debounce_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "cancel_keys" text[];--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "wait_step" text;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "wait_event" text;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "wait_match" text;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "wait_value" text;--> statement-breakpoint
ALTER TABLE "job_events" ADD CONSTRAINT "job_events_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "job_steps" ADD CONSTRAINT "job_steps_run_id_job_runs_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."job_runs"("run_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "job_events_received" ON "job_events" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "job_runs_due" ON "job_runs" USING btree ("next_at") WHERE "job_runs"."finished_at" is null;--> statement-breakpoint
CREATE INDEX "job_runs_waiting" ON "job_runs" USING btree ("wait_event") WHERE "job_runs"."status" = 'waiting';--> statement-breakpoint
CREATE INDEX "job_runs_unfinished_function" ON "job_runs" USING btree ("function_id") WHERE "job_runs"."finished_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "job_runs_debounce_window" ON "job_runs" USING btree ("function_id","debounce_key") WHERE "job_runs"."status" = 'queued' and "job_runs"."debounce_key" is not null;--> statement-breakpoint
-- Runs the in-memory engine left unfinished cannot be resumed (it kept no state): close them, so they are shown and trimmed.
UPDATE "job_runs" SET "status" = 'failed', "error" = 'Interrupted by a restart before background jobs were durable', "finished_at" = now() WHERE "finished_at" IS NULL;
