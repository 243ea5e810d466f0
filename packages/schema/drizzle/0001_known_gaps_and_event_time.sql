CREATE TABLE "known_candle_gaps" (
	"symbol" text NOT NULL,
	"interval" text NOT NULL,
	"gap_from" bigint NOT NULL,
	"gap_to" bigint NOT NULL,
	"reason" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "known_candle_gaps_symbol_interval_gap_from_pk" PRIMARY KEY("symbol","interval","gap_from")
);
--> statement-breakpoint
ALTER TABLE "orderbook_data" ADD COLUMN "event_time" bigint;