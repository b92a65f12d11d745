ALTER TABLE "webhook_deliveries" ADD COLUMN "handled_at" timestamp with time zone;--> statement-breakpoint
-- Deliveries recorded before this column were handled when recorded.
UPDATE "webhook_deliveries" SET "handled_at" = "received_at";
