/*
 * reqctx.h - what is read out of one request once, for every part of the server to share.
 *
 * The router makes one per request and hands it down: the fault rules, the limiter, the
 * handler, the recorder and replay all read the same parsed query, the same decoded cursor
 * and the same credential identity. Each part is worked out on first use and kept, so a
 * request seen by a rule, a handler and the recorder has its query parsed and its cursor's
 * signature checked once, and a request that needs neither (the control API) pays nothing.
 *
 * A reqctx belongs to one request and is used from one thread at a time; the request it
 * reads must outlive it. It is large (a parsed query holds up to QUERY_MAX_PARAMS
 * parameters), so one is made per request, never copied: the query's parameters point into
 * the reqctx itself.
 */
#ifndef GONGMOCK_REQCTX_H
#define GONGMOCK_REQCTX_H

#include <stdint.h>

#include "auth.h"
#include "cursor.h"
#include "query.h"
#include "request.h"

enum reqctx_cursor {
	REQCTX_CURSOR_NONE = 0, /* no cursor, or an empty one (Gong ignores empty parameters) */
	REQCTX_CURSOR_OK,
	REQCTX_CURSOR_INVALID, /* malformed, foreign, or tampered with */
	REQCTX_CURSOR_EXPIRED
};

struct reqctx {
	const struct request *req;
	/* Who the credentials say the caller is; set by the router once it has checked them
	 * (all zero: no credential). */
	struct auth_identity who;
	/* Scopes (AUTH_* bits) an operation can use but the Bearer token lacks, when the router
	 * lets it through without them (media links need api:calls:read:media-url only when
	 * asked for). */
	unsigned missing_scopes;

	/* The rest is reqctx.c's: read it through the functions below. */
	int query_state;  /* 0: not parsed yet; 1: parsed; -1: refused */
	int cursor_state; /* 0: not decoded yet; else 1 + enum reqctx_cursor */
	struct cursor cursor;
	struct query query;
};

/* Starts a context for req; nothing is parsed yet. */
void reqctx_init(struct reqctx *x, const struct request *req);

/* The request's query, parsed on first use; NULL when it is too long or has too many
 * parameters (the answer is then Gong's 400 "query: too long or too many parameters"). */
const struct query *reqctx_query(struct reqctx *x);

/*
 * The cursor the query carries, decoded and its signature checked on first use with key and
 * now (seconds since the epoch), which must be the same on every call for one request. With
 * REQCTX_CURSOR_OK or REQCTX_CURSOR_EXPIRED (well signed, but past its time), *out (when out
 * is not NULL) points at the decoded cursor, owned by x; else it is set to NULL.
 * A query that cannot be parsed carries no cursor.
 */
enum reqctx_cursor reqctx_cursor(struct reqctx *x, const struct cursor_key *key, int64_t now,
                                 const struct cursor **out);

#endif
