CREATE TABLE "external_data_cache" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"data_type" text NOT NULL,
	"external_id" text NOT NULL,
	"data" jsonb NOT NULL,
	"occurred_at" timestamp with time zone,
	"cached_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "integration_webhooks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"integration_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"repository" text NOT NULL,
	"hook_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "provider_etags" (
	"user_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"resource" text NOT NULL,
	"etag" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "provider_etags_user_id_provider_resource_pk" PRIMARY KEY("user_id","provider","resource")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"provider" text NOT NULL,
	"delivery_id" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_deliveries_provider_delivery_id_pk" PRIMARY KEY("provider","delivery_id")
);
--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "account_name" text;--> statement-breakpoint
ALTER TABLE "integrations" ADD COLUMN "account_emails" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "external_data_cache" ADD CONSTRAINT "external_data_cache_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integration_webhooks" ADD CONSTRAINT "integration_webhooks_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integration_webhooks" ADD CONSTRAINT "integration_webhooks_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provider_etags" ADD CONSTRAINT "provider_etags_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "external_data_cache_item" ON "external_data_cache" USING btree ("user_id","provider","data_type","external_id");--> statement-breakpoint
CREATE INDEX "external_data_cache_time" ON "external_data_cache" USING btree ("user_id","data_type","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "integration_webhooks_provider_hook" ON "integration_webhooks" USING btree ("provider","hook_id");--> statement-breakpoint
CREATE INDEX "integration_webhooks_integration" ON "integration_webhooks" USING btree ("integration_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_received" ON "webhook_deliveries" USING btree ("received_at");