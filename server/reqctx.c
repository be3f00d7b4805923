/*
 * reqctx.c - parsing a request's query and checking its cursor at most once.
 *
 * The cursor is the first `cursor` parameter (none when it is empty), the one query_filter
 * hands the list handler, so a rule matching on a page and the handler serving it read the
 * same cursor.
 */
#include "reqctx.h"

#include <string.h>

void
reqctx_init(struct reqctx *x, const struct request *req)
{
	/* The query's buffers are left as they are: parsing fills what it uses. */
	x->req = req;
	memset(&x->who, 0, sizeof(x->who));
	x->query_state = 0;
	x->cursor_state = 0;
}

const struct query *
reqctx_query(struct reqctx *x)
{
	if (x->query_state == 0)
		x->query_state =
		    query_parse(&x->query, x->req->query, x->req->query_len) == 0 ? 1 : -1;
	return x->query_state > 0 ? &x->query : NULL;
}

enum reqctx_cursor
reqctx_cursor(struct reqctx *x, const struct cursor_key *key, int64_t now,
              const struct cursor **out)
{
	if (x->cursor_state == 0) {
		const struct query *q = reqctx_query(x);
		const struct query_param *p = q != NULL ? query_get(q, "cursor") : NULL;
		enum reqctx_cursor c = REQCTX_CURSOR_NONE;

		/* An empty cursor is none, as Gong ignores empty parameters. */
		if (p != NULL && p->value_len == 0)
			p = NULL;
		if (p != NULL) {
			switch (cursor_decode(key, p->value, p->value_len, now, &x->cursor)) {
			case CURSOR_OK:
				c = REQCTX_CURSOR_OK;
				break;
			case CURSOR_EXPIRED:
				c = REQCTX_CURSOR_EXPIRED;
				break;
			default:
				c = REQCTX_CURSOR_INVALID;
				break;
			}
		}
		x->cursor_state = 1 + (int)c;
	}
	if (out != NULL)
		*out = x->cursor_state == 1 + REQCTX_CURSOR_OK ||
		               x->cursor_state == 1 + REQCTX_CURSOR_EXPIRED
		           ? &x->cursor
		           : NULL;
	return (enum reqctx_cursor)(x->cursor_state - 1);
}
