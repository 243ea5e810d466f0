CREATE TABLE "candles" (
	"symbol" text NOT NULL,
	"interval" text NOT NULL,
	"timestamp" bigint NOT NULL,
	"open_time" timestamp with time zone NOT NULL,
	"close_time" timestamp with time zone NOT NULL,
	"open_price" numeric NOT NULL,
	"high_price" numeric NOT NULL,
	"low_price" numeric NOT NULL,
	"close_price" numeric NOT NULL,
	"volume" numeric NOT NULL,
	"quote_volume" numeric NOT NULL,
	"taker_buy_volume" numeric NOT NULL,
	"taker_buy_quote_volume" numeric NOT NULL,
	"trades" bigint NOT NULL,
	"is_closed" boolean NOT NULL,
	CONSTRAINT "candles_symbol_interval_open_time_pk" PRIMARY KEY("symbol","interval","open_time")
);
--> statement-breakpoint
CREATE TABLE "collector_state" (
	"symbol" text NOT NULL,
	"stream" text NOT NULL,
	"last_timestamp" bigint NOT NULL,
	"last_updated" timestamp with time zone DEFAULT now() NOT NULL,
	"is_realtime" boolean DEFAULT false NOT NULL,
	CONSTRAINT "collector_state_symbol_stream_pk" PRIMARY KEY("symbol","stream")
);
--> statement-breakpoint
CREATE TABLE "orderbook_data" (
	"symbol" text NOT NULL,
	"timestamp" bigint NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"last_update_id" bigint NOT NULL,
	"bids" jsonb NOT NULL,
	"asks" jsonb NOT NULL,
	CONSTRAINT "orderbook_data_symbol_time_pk" PRIMARY KEY("symbol","time")
);
