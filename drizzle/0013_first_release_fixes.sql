CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"points" integer DEFAULT 0 NOT NULL,
	"expire" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "provider_etags" ALTER COLUMN "etag" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "sync_deadline_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "provider_etags" ADD COLUMN "last_modified" text;--> statement-breakpoint
ALTER TABLE "provider_etags" ADD COLUMN "page" jsonb;--> statement-breakpoint
CREATE INDEX "rate_limits_expire" ON "rate_limits" USING btree ("expire");--> statement-breakpoint
-- Commit-list ETags saved under the old key format are no longer read.
DELETE FROM "provider_etags" WHERE "resource" LIKE 'commits %';
