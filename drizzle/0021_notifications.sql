CREATE TABLE "notification_decisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"notification_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"outcome" text NOT NULL,
	"reason" text NOT NULL,
	"reason_text" text NOT NULL,
	"deliver_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"claimed_until" timestamp with time zone,
	"delivered_as" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"category" text NOT NULL,
	"priority" text NOT NULL,
	"data" jsonb NOT NULL,
	"coalesce_key" text,
	"count" integer DEFAULT 1 NOT NULL,
	"listed" boolean DEFAULT true NOT NULL,
	"read_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "notification_decisions" ADD CONSTRAINT "notification_decisions_notification_id_notifications_id_fk" FOREIGN KEY ("notification_id") REFERENCES "public"."notifications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_decisions" ADD CONSTRAINT "notification_decisions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "notification_decisions_user_created" ON "notification_decisions" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "notification_decisions_pending" ON "notification_decisions" USING btree ("user_id","channel","deliver_at") WHERE "notification_decisions"."delivered_at" is null and "notification_decisions"."outcome" <> 'drop';--> statement-breakpoint
CREATE INDEX "notification_decisions_notification" ON "notification_decisions" USING btree ("notification_id","channel");--> statement-breakpoint
CREATE INDEX "notifications_user_created" ON "notifications" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "notifications_user_coalesce" ON "notifications" USING btree ("user_id","coalesce_key","created_at");--> statement-breakpoint
CREATE INDEX "notifications_user_unread" ON "notifications" USING btree ("user_id") WHERE "notifications"."read_at" is null and "notifications"."listed";