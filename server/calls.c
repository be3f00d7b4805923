/*
 * calls.c - GET /v2/calls: from query and cursor to a page of calls.
 *
 * The filters come from the query, from the cursor, or both; when both carry a filter they
 * must agree, because a client that changes the range in the middle of a walk would get a
 * walk of neither range. The page itself is the envelope (requestId and records) written per
 * request, followed by the calls' bytes as rendered at load time, joined by commas.
 */
#include "calls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "gzip.h"
#include "isotime.h"
#include "log.h"
#include "query.h"

/* Room for the envelope before the calls: requestId, records and the cursor. */
#define CALLS_HEAD_MAX (256 + CURSOR_TEXT_MAX)

static const char calls_tail[] = "]}";
static const char calls_comma[] = ",";

static int64_t
calls_clock(void)
{
	return (int64_t)time(NULL);
}

void
calls_ctx_init(struct calls_ctx *ctx, struct store_slot *slot, const struct cursor_key *key,
               unsigned page_size, int64_t cursor_ttl)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->slot = slot;
	ctx->key = key;
	ctx->page_size = page_size;
	ctx->cursor_ttl = cursor_ttl;
	ctx->now = calls_clock;
	ctx->pins[0].slot = slot;
	ctx->pins[0].ticket = 0;
	ctx->pins[1].slot = slot;
	ctx->pins[1].ticket = 1;
	ctx->gzip = 1;
}

static void
calls_unpin(void *cls)
{
	struct calls_pin *pin = cls;

	store_slot_release(pin->slot, pin->ticket);
}

/*
 * Checks that the filters the request gives match the cursor's, and takes the cursor's for
 * those it leaves out. Returns 0, or -1 with the message for the first field that differs.
 */
static int
calls_merge(const struct filter *req, const struct filter *cur, struct filter *out, char *err,
            size_t errlen)
{
	if (req->has_from && (!cur->has_from || req->from_us != cur->from_us)) {
		snprintf(err, errlen,
		         "fromDateTime: must be the same as in the request that "
		         "returned the cursor");
		return -1;
	}
	if (req->has_to && (!cur->has_to || req->to_us != cur->to_us)) {
		snprintf(err, errlen,
		         "toDateTime: must be the same as in the request that returned "
		         "the cursor");
		return -1;
	}
	if (req->has_workspace &&
	    (!cur->has_workspace || strcmp(req->workspace, cur->workspace) != 0)) {
		snprintf(err, errlen,
		         "workspaceId: must be the same as in the request that "
		         "returned the cursor");
		return -1;
	}
	*out = *cur;
	return 0;
}

/* Adds the page's calls as pieces, one piece per run of neighbours in the store's buffer. */
static int
calls_add_pieces(struct response *r, const struct store_page *page)
{
	const char *run = NULL;
	size_t run_len = 0, i;

	for (i = 0; i < page->count; i++) {
		const struct store_call *c = page->calls[i];

		if (run != NULL && run + run_len + 1 == c->json) {
			run_len += 1 + c->json_len;
			continue;
		}
		if (run != NULL && (response_piece_add(r, run, run_len) != 0 ||
		                    response_piece_add(r, calls_comma, 1) != 0))
			return -1;
		run = c->json;
		run_len = c->json_len;
	}
	if (run != NULL && response_piece_add(r, run, run_len) != 0)
		return -1;
	return 0;
}

/* Where a piece of a gzipped page lies: a call's segment kept by the store, or a slice of
 * the answer's own buffer. */
struct calls_gz_part {
	const unsigned char *at; /* NULL: buf + off */
	size_t off, len;
};

/*
 * The page as one gzip member, without compressing the calls again: each call whose
 * neighbour before it in the page is its neighbour in the store goes out as the segment the
 * store keeps for it; the envelope, the first call and any other call are compressed here,
 * each with what precedes it as dictionary. Fills r's pieces (r owns the buffer); 0, or -1
 * (r untouched) when memory runs out.
 */
static int
calls_gzip_page(const struct store *s, const char *head, size_t headlen,
                const struct store_page *page, struct response *r)
{
	struct calls_gz_part *parts = malloc((page->count + 2) * sizeof(*parts));
	size_t i, np = 0, cap = GZIP_HEAD_LEN + GZIP_TAIL_LEN, used, total = headlen;
	unsigned char *buf = NULL;
	uint32_t crc = gzip_crc(0, head, headlen);

	if (parts == NULL)
		return -1;
	/* Which calls have a kept segment, and the room the others need; the CRC of the whole,
	 * joined from the kept segments' own without reading their bytes again. */
	for (i = 0; i < page->count; i++) {
		const struct store_call *c = page->calls[i];
		const struct store_gz *z = NULL;

		parts[i + 1].at = NULL;
		if (i > 0 && i + 1 < page->count && store_call_prev(s, c) == page->calls[i - 1])
			z = store_call_gz(s, c);
		if (z != NULL) {
			parts[i + 1].at = z->data;
			parts[i + 1].len = z->len;
			crc = gzip_crc_join(crc, z->crc, z->crc_op);
		} else {
			cap += gzip_segment_bound((size_t)c->json_len + 2 + (i == 0 ? headlen : 0));
			crc = gzip_crc(crc, c->json, c->json_len);
			crc = gzip_crc(crc, i + 1 < page->count ? calls_comma : calls_tail,
			               i + 1 < page->count ? 1 : 2);
		}
		total += (size_t)c->json_len + (i + 1 < page->count ? 1 : 2);
	}
	buf = malloc(cap);
	if (buf == NULL || r->nowned >= RESPONSE_MAX_OWNED) {
		free(buf);
		free(parts);
		return -1;
	}
	memcpy(buf, GZIP_HEAD, GZIP_HEAD_LEN);
	used = GZIP_HEAD_LEN;
	for (i = 0; i < page->count; i++) {
		const struct store_call *c = page->calls[i];
		struct response_piece in[3];
		size_t nin = 0, len;
		int last = i + 1 == page->count;

		if (parts[i + 1].at != NULL)
			continue;
		if (i == 0) {
			in[nin].base = head;
			in[nin++].len = headlen;
		}
		in[nin].base = c->json;
		in[nin++].len = c->json_len;
		in[nin].base = last ? calls_tail : calls_comma;
		in[nin++].len = last ? 2 : 1;
		/* The call before, and its ',', precede this one in the member. */
		if (gzip_segment(i > 0 ? page->calls[i - 1]->json : NULL,
		                 i > 0 ? (size_t)page->calls[i - 1]->json_len + 1 : 0, in, nin, 1,
		                 buf + used, &len) != 0) {
			free(buf);
			free(parts);
			return -1;
		}
		parts[i + 1].off = used;
		parts[i + 1].len = len;
		used += len;
	}
	gzip_tail(crc, total, buf + used);
	parts[page->count + 1].at = NULL;
	parts[page->count + 1].off = used;
	parts[page->count + 1].len = GZIP_TAIL_LEN;
	used += GZIP_TAIL_LEN;
	/* The member's header goes with the first call's segment (it follows it in buf). */
	parts[1].off = 0;
	parts[1].len += GZIP_HEAD_LEN;
	np = page->count + 2;
	r->owned[r->nowned++] = buf;
	for (i = 1; i < np; i++)
		if (response_piece_add(r, parts[i].at != NULL ? parts[i].at : buf + parts[i].off,
		                       parts[i].len) != 0) {
			free(parts);
			return -1;
		}
	free(parts);
	return 0;
}

int64_t
calls_now(const struct calls_ctx *ctx)
{
	return ctx->now != NULL ? ctx->now() : calls_clock();
}

/*
 * Where the walk stands: the filters in force (the request's merged with its cursor's), where
 * the page starts (after, when *afterp is set), its number, and the cursor that brought it
 * (NULL on the first page). Returns 0, or -1 with Gong's 400 in r.
 */
static int
calls_walk(const struct calls_ctx *ctx, struct reqctx *x, int64_t now, struct filter *f,
           struct store_pos *after, struct store_pos **afterp, uint64_t *page_number,
           const struct cursor **cur, struct response *r)
{
	const struct query *q;
	struct filter reqf;
	const char *ctext;
	size_t clen;
	char err[160];

	*afterp = NULL;
	*page_number = 0;
	*cur = NULL;
	if ((q = reqctx_query(x)) == NULL) {
		error_respond(r, ERROR_BAD_REQUEST, "query: too long or too many parameters");
		return -1;
	}
	if (query_filter(q, &reqf, &ctext, &clen, err, sizeof(err)) != 0) {
		error_respond(r, ERROR_BAD_REQUEST, err);
		return -1;
	}
	*f = reqf;
	if (ctext != NULL) {
		switch (reqctx_cursor(x, ctx->key, now, cur)) {
		case REQCTX_CURSOR_OK:
			/* A cursor of another operation's walk is not this walk's. */
			if ((*cur)->op != CURSOR_OP_LIST) {
				error_respond(r, ERROR_CURSOR_INVALID, NULL);
				return -1;
			}
			break;
		case REQCTX_CURSOR_EXPIRED:
			error_respond(r, ERROR_CURSOR_EXPIRED, NULL);
			return -1;
		default:
			error_respond(r, ERROR_CURSOR_INVALID, NULL);
			return -1;
		}
		if (calls_merge(&reqf, &(*cur)->filter, f, err, sizeof(err)) != 0) {
			error_respond(r, ERROR_BAD_REQUEST, err);
			return -1;
		}
		if (store_pos_make((*cur)->last_date_us, (*cur)->last_id, after) != 0) {
			error_respond(r, ERROR_CURSOR_INVALID, NULL);
			return -1;
		}
		*afterp = after;
		*page_number = (*cur)->page_number;
	}
	if (f->has_from && f->has_to && f->from_us >= f->to_us) {
		error_respond(r, ERROR_BAD_REQUEST, "fromDateTime: must be before toDateTime");
		return -1;
	}
	return 0;
}

void
calls_list(const struct calls_ctx *ctx, struct reqctx *x, struct response *r)
{
	struct filter f;
	const struct cursor *cur;
	struct store_pos after, *afterp;
	struct store_page page;
	const struct store *s;
	const struct store_call **calls = NULL;
	size_t n;
	uint64_t page_number, total;
	unsigned ticket;
	char *head = NULL;
	enum error_code code = ERROR_INTERNAL;
	int64_t now = calls_now(ctx);

	if (calls_walk(ctx, x, now, &f, &after, &afterp, &page_number, &cur, r) != 0)
		return;
	calls = malloc(ctx->page_size * sizeof(*calls));
	if (calls == NULL) {
		error_respond(r, ERROR_INTERNAL, NULL);
		return;
	}
	s = store_slot_acquire(ctx->slot, &ticket);
	page.calls = calls;
	store_query(s, &f, afterp, ctx->page_size, &page);
	if (page.count == 0) {
		code = ERROR_NO_CALLS;
		goto fail;
	}
	/* The walk keeps the total it started with, as Gong's cursor does. */
	total = cur != NULL ? cur->total : page.total;

	head = malloc(CALLS_HEAD_MAX);
	if (head == NULL)
		goto fail;
	n = (size_t)snprintf(head, CALLS_HEAD_MAX,
	                     "{\"requestId\":\"%s\",\"records\":{\"totalRecords\":%llu,"
	                     "\"currentPageSize\":%zu,\"currentPageNumber\":%llu",
	                     r->request_id, (unsigned long long)total, page.count,
	                     (unsigned long long)page_number);
	if (page.remaining > 0) {
		const struct store_call *last = page.calls[page.count - 1];
		struct cursor next;
		size_t w;

		memset(&next, 0, sizeof(next));
		next.filter = f;
		next.last_date_us = last->date_us;
		store_id_format(last->id_hi, last->id_lo, next.last_id);
		next.page_number = page_number + 1;
		next.total = total;
		next.page_size = ctx->page_size;
		next.exp = now + ctx->cursor_ttl;
		memcpy(head + n, ",\"cursor\":\"", 11);
		n += 11;
		w = cursor_encode(ctx->key, &next, head + n, CALLS_HEAD_MAX - n - 32);
		if (w == 0)
			goto fail;
		n += w;
		head[n++] = '"';
	}
	memcpy(head + n, "},\"calls\":[", 11);
	n += 11;

	/* From here the response holds the pin and the head: response_free releases both. */
	r->release = calls_unpin;
	r->release_cls = (void *)&ctx->pins[ticket];
	r->status = 200;
	r->source = "fixture";
	if (ctx->gzip && gzip_accepted(request_header(x->req, "Accept-Encoding"))) {
		/* The page compressed, as Gong's is for a client that takes gzip. */
		if (response_header_add(r, "Content-Type", RESPONSE_JSON_TYPE) != 0 ||
		    response_header_add(r, "Content-Encoding", "gzip") != 0 ||
		    response_header_add(r, "Vary", "Accept-Encoding") != 0 ||
		    calls_gzip_page(s, head, n, &page, r) != 0) {
			char id[sizeof(r->request_id)];

			memcpy(id, r->request_id, sizeof(id));
			response_free(r);
			response_init(r);
			memcpy(r->request_id, id, sizeof(id));
			error_respond(r, ERROR_INTERNAL, NULL);
		}
		free(head);
		free(calls);
		return;
	}
	if (response_header_add(r, "Content-Type", RESPONSE_JSON_TYPE) != 0 ||
	    response_piece_own(r, head, n) != 0 || calls_add_pieces(r, &page) != 0 ||
	    response_piece_add(r, calls_tail, 2) != 0) {
		char id[sizeof(r->request_id)];

		memcpy(id, r->request_id, sizeof(id));
		response_free(r);
		response_init(r);
		memcpy(r->request_id, id, sizeof(id));
		error_respond(r, ERROR_INTERNAL, NULL);
	}
	free(calls);
	return;
fail:
	free(head);
	store_slot_release(ctx->slot, ticket);
	free(calls);
	error_respond(r, code, NULL);
}

void
calls_pin_response(const struct calls_ctx *ctx, unsigned ticket, struct response *r)
{
	r->release = calls_unpin;
	r->release_cls = (void *)&ctx->pins[ticket];
}

void
calls_get(const struct calls_ctx *ctx, const char *id, struct response *r)
{
	size_t n = strlen(id);
	uint64_t hi, lo;
	unsigned ticket;
	const struct store *s;
	const struct store_call *c;
	char *head;
	int len;

	if (n == 0 || n > STORE_ID_MAX || strspn(id, "0123456789") != n) {
		error_respond(r, ERROR_BAD_REQUEST, "id: must be a string of 1-20 digits");
		return;
	}
	store_id_split(id, n, &hi, &lo);
	s = store_slot_acquire(ctx->slot, &ticket);
	c = store_find(s, hi, lo);
	if (c == NULL) {
		store_slot_release(ctx->slot, ticket);
		error_respond(r, ERROR_NO_CALLS, NULL);
		return;
	}
	head = malloc(64 + REQID_MAX);
	if (head == NULL) {
		store_slot_release(ctx->slot, ticket);
		error_respond(r, ERROR_INTERNAL, NULL);
		return;
	}
	len = snprintf(head, 64 + REQID_MAX, "{\"requestId\":\"%s\",\"call\":", r->request_id);
	calls_pin_response(ctx, ticket, r);
	r->status = 200;
	r->source = "fixture";
	if (response_header_add(r, "Content-Type", RESPONSE_JSON_TYPE) != 0 ||
	    response_piece_own(r, head, (size_t)len) != 0 ||
	    response_piece_add(r, c->json, c->json_len) != 0 ||
	    response_piece_add(r, "}", 1) != 0) {
		char rid[sizeof(r->request_id)];

		memcpy(rid, r->request_id, sizeof(rid));
		response_free(r);
		response_init(r);
		memcpy(r->request_id, rid, sizeof(rid));
		error_respond(r, ERROR_INTERNAL, NULL);
	}
}

int
calls_note(const struct calls_ctx *ctx, const struct request *req, const char *what,
           struct response *r)
{
	if (ctx->strict) {
		char msg[320];

		snprintf(msg, sizeof(msg), "%.280s (refused under --strict)", what);
		error_respond(r, ERROR_BAD_REQUEST, msg);
		return -1;
	}
	log_msg("warning", "%s %s (requestId %s): %s", req->method, req->path, r->request_id, what);
	return 0;
}
