/*
 * calls.h - the GET /v2/calls handler: filters, cursor, page, envelope.
 *
 * It reads the request, never the socket: a unit test can drive it with a struct request and
 * look at the struct response. Safe from any thread (the context is read-only once set up).
 */
#ifndef GONGMOCK_CALLS_H
#define GONGMOCK_CALLS_H

#include <stdint.h>

#include "cursor.h"
#include "reqctx.h"
#include "request.h"
#include "response.h"
#include "store.h"

struct calls_pin {
	struct store_slot *slot;
	unsigned ticket;
};

struct calls_ctx {
	struct store_slot *slot;
	const struct cursor_key *key;
	unsigned page_size;
	int64_t cursor_ttl;       /* seconds */
	int64_t (*now)(void);     /* seconds since the epoch; NULL: the real clock */
	struct calls_pin pins[2]; /* set up by calls_ctx_init; one per slot ticket */
	int strict; /* refuse what Gong tolerates but that shows a client bug */
	int gzip;   /* pages gzipped for clients that take it (the default) */
};

/* Sets up ctx; key and slot must outlive it. */
void calls_ctx_init(struct calls_ctx *ctx, struct store_slot *slot, const struct cursor_key *key,
                    unsigned page_size, int64_t cursor_ttl);

/* Seconds since the epoch by ctx's clock: the time cursors are signed and checked at. */
int64_t calls_now(const struct calls_ctx *ctx);

/*
 * Answers the list request x holds (the caller has checked the method and the credentials;
 * the query and the cursor are read from x, which parses each once): 200 with a page, or
 * Gong's 400 (bad parameter, bad or expired cursor) or 404 (no calls). The page's call bytes
 * are borrowed from the store, which stays pinned until the response is freed.
 */
void calls_list(const struct calls_ctx *ctx, struct reqctx *x, struct response *r);

/*
 * GET /v2/calls/{id}: {"requestId","call":{...}} for the call with that id, 404 "No calls
 * found corresponding to the provided filters" when there is none, 400 when the id is not
 * 1-20 digits. `id` is the path's last segment.
 */
void calls_get(const struct calls_ctx *ctx, const char *id, struct response *r);

/*
 * Something Gong lets through but that shows a client bug (`what` says which): logged as a
 * warning naming the request, or with ctx->strict answered with a 400 saying so. Returns -1
 * when it answered r.
 */
int calls_note(const struct calls_ctx *ctx, const struct request *req, const char *what,
               struct response *r);

/* Releases a store pin taken with store_slot_acquire(ctx->slot, &ticket) once r is sent:
 * for handlers whose answer borrows bytes of the store. */
void calls_pin_response(const struct calls_ctx *ctx, unsigned ticket, struct response *r);

#endif
