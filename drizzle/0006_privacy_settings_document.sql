CREATE TABLE "processing_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"activity" text NOT NULL,
	"purpose" text NOT NULL,
	"legal_basis" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "privacy_settings" ALTER COLUMN "cloud_retention_days" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "privacy_settings" ADD COLUMN "settings" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "processing_log" ADD CONSTRAINT "processing_log_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "processing_log_user_time" ON "processing_log" USING btree ("user_id","created_at");--> statement-breakpoint
-- Settings became one document: carry a chosen retention over before the column goes.
UPDATE "privacy_settings" SET "settings" = jsonb_build_object('retentionPolicy', jsonb_build_object('cloudRetentionDays', "cloud_retention_days")) WHERE "cloud_retention_days" IS NOT NULL;
