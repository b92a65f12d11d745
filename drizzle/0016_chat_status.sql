CREATE TABLE "chat_status_targets" (
	"integration_id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"written" jsonb,
	"previous" jsonb,
	"held_by_user" boolean DEFAULT false NOT NULL,
	"last_write_at" timestamp with time zone,
	"dnd_until" timestamp with time zone,
	"state" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "status_schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"template_key" text NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"state" text DEFAULT 'scheduled' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "status_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"slack_emoji" text NOT NULL,
	"slack_text" text NOT NULL,
	"discord_emoji" text NOT NULL,
	"discord_text" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_status" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"template_key" text,
	"custom_text" text,
	"custom_emoji" jsonb,
	"source" text,
	"activity" text,
	"project_context" text,
	"expires_at" timestamp with time zone,
	"focus_until" timestamp with time zone,
	"last_heartbeat_at" timestamp with time zone,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"idle_minutes" integer DEFAULT 10 NOT NULL,
	"dnd_during_focus" boolean DEFAULT true NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chat_status_targets" ADD CONSTRAINT "chat_status_targets_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_status_targets" ADD CONSTRAINT "chat_status_targets_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_schedules" ADD CONSTRAINT "status_schedules_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_templates" ADD CONSTRAINT "status_templates_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_status" ADD CONSTRAINT "user_status_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "chat_status_targets_user_provider" ON "chat_status_targets" USING btree ("user_id","provider");--> statement-breakpoint
CREATE INDEX "status_schedules_user_start" ON "status_schedules" USING btree ("user_id","start_at");--> statement-breakpoint
CREATE UNIQUE INDEX "status_templates_user_key" ON "status_templates" USING btree ("user_id","key");