/*
 * callpost.c - POST /v2/calls/extensive and POST /v2/calls/transcript: from a JSON body to a
 * page of calls by start time.
 *
 * The two share everything but what they write per call: the body and its checks, the walk
 * (the cursor read from the body, its operation and filters compared with the request's), the
 * store's query by start time, and the envelope. A page is copied into one buffer: it is made
 * of many small fragments per call (a dozen for an extensive call with every block), more than
 * a vector of pieces holds well, and copying a page costs far less than sending it.
 */
#include "callpost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "callsbody.h"
#include "error.h"
#include "jsonw.h"
#include "log.h"
#include "media.h"
#include "query.h"

/* Where a walk stands once its request is read. */
struct walk {
	struct callsbody b;
	struct store_pos after;
	const struct store_pos *afterp; /* NULL on the first page */
	uint64_t page_number;
	uint64_t total; /* the walk's, from the cursor; 0 on the first page */
};

/* The first field a cursor's filters differ from the request's in, or NULL. */
static const char *
walk_changed(const struct cursor *c, const struct callsbody *b)
{
	const struct filter *f = &b->xf.f, *g = &c->filter;

	if (f->has_from != g->has_from || (f->has_from && f->from_us != g->from_us))
		return "filter.fromDateTime";
	if (f->has_to != g->has_to || (f->has_to && f->to_us != g->to_us))
		return "filter.toDateTime";
	if (f->has_workspace != g->has_workspace ||
	    (f->has_workspace && strcmp(f->workspace, g->workspace) != 0))
		return "filter.workspaceId";
	if (c->filter_hash != b->filter_hash)
		return "filter.callIds or filter.primaryUserIds";
	return NULL;
}

static int
walk_start(const struct calls_ctx *ctx, struct reqctx *x, enum callsbody_kind kind, unsigned op,
           int64_t now, struct walk *w, struct response *r)
{
	const struct request *req = x->req;
	char err[256];

	memset(w, 0, sizeof(*w));
	if (callsbody_parse(&w->b, kind, req->body, req->body_len, err, sizeof(err)) != 0) {
		error_respond(r, ERROR_BAD_REQUEST, err);
		return -1;
	}
	if (req->query_len > 0) {
		const struct query *q = reqctx_query(x);

		if (q == NULL) {
			error_respond(r, ERROR_BAD_REQUEST,
			              "query: too long or too many parameters");
			return -1;
		}
		/* The cursor is the mistake that matters most: named first, wherever it is. */
		const struct query_param *cur = query_get(q, "cursor");

		if (cur != NULL) {
			const char *what = w->b.cursor != NULL
			                       ? "cursor: a POST takes the cursor in its JSON "
			                         "body; the one in the "
			                         "query string is ignored"
			                       : "cursor: a POST takes the cursor in its JSON "
			                         "body; the one in the "
			                         "query string is ignored and the walk starts over";

			if (calls_note(ctx, req, what, r) != 0)
				return -1;
		} else if (q->count > 0) {
			snprintf(
			    err, sizeof(err),
			    "query: parameter \"%.64s\" is not one this operation reads; it is "
			    "ignored",
			    q->params[0].name);
			if (calls_note(ctx, req, err, r) != 0)
				return -1;
		}
	}
	if (w->b.tolerated[0] != '\0' && calls_note(ctx, req, w->b.tolerated, r) != 0)
		return -1;
	if (w->b.cursor != NULL) {
		struct cursor c;
		const char *changed;

		switch (cursor_decode(ctx->key, w->b.cursor, w->b.cursor_len, now, &c)) {
		case CURSOR_OK:
			break;
		case CURSOR_EXPIRED:
			error_respond(r, ERROR_CURSOR_EXPIRED, NULL);
			return -1;
		default:
			error_respond(r, ERROR_CURSOR_INVALID, NULL);
			return -1;
		}
		if (c.op != op || store_pos_make(c.last_date_us, c.last_id, &w->after) != 0) {
			error_respond(r, ERROR_CURSOR_INVALID, NULL);
			return -1;
		}
		if ((changed = walk_changed(&c, &w->b)) != NULL) {
			snprintf(err, sizeof(err),
			         "%s: differs from the request that returned the cursor; the walk "
			         "goes on with the new filter",
			         changed);
			if (calls_note(ctx, req, err, r) != 0)
				return -1;
		}
		w->afterp = &w->after;
		w->page_number = c.page_number;
		w->total = c.total;
	}
	return 0;
}

/* The envelope up to the list: requestId, records (with the next cursor) and the list's key. */
static int
walk_head(const struct calls_ctx *ctx, const struct walk *w, unsigned op, int64_t now,
          const struct store_page *page, uint64_t total, const char *list, struct jsonw *out,
          const char *request_id)
{
	JSONW_LIT(out, "{\"requestId\":\"");
	jsonw_str(out, request_id);
	JSONW_LIT(out, "\",\"records\":{\"totalRecords\":");
	jsonw_uint(out, total);
	JSONW_LIT(out, ",\"currentPageSize\":");
	jsonw_uint(out, page->count);
	JSONW_LIT(out, ",\"currentPageNumber\":");
	jsonw_uint(out, w->page_number);
	if (page->remaining > 0) {
		const struct store_call *last = page->calls[page->count - 1];
		char text[CURSOR_TEXT_MAX + 1];
		struct cursor next;

		memset(&next, 0, sizeof(next));
		next.filter = w->b.xf.f;
		next.last_date_us = last->started_us;
		store_id_format(last->id_hi, last->id_lo, next.last_id);
		next.page_number = w->page_number + 1;
		next.total = total;
		next.page_size = ctx->page_size;
		next.exp = now + ctx->cursor_ttl;
		next.op = op;
		next.filter_hash = w->b.filter_hash;
		if (cursor_encode(ctx->key, &next, text, sizeof(text)) == 0)
			return -1;
		JSONW_LIT(out, ",\"cursor\":\"");
		jsonw_str(out, text);
		JSONW_LIT(out, "\"");
	}
	JSONW_LIT(out, "},\"");
	jsonw_str(out, list);
	JSONW_LIT(out, "\":[");
	return 0;
}

/* Part p of a call, or its empty value. */
static void
put_part(struct jsonw *out, const char *text, const struct blocks *bl, enum blocks_part p)
{
	if (bl != NULL && bl->len[p] > 0)
		jsonw_mem(out, text + blocks_part_off(bl, p), bl->len[p]);
	else
		jsonw_str(out, blocks_empty(p));
}

/* `"key":{...}` of the parts [first, last] that b asks for. */
static void
put_group(struct jsonw *out, const char *key, const struct callsbody *b, const char *text,
          const struct blocks *bl, enum blocks_part first, enum blocks_part last)
{
	int n = 0;

	JSONW_LIT(out, ",\"");
	jsonw_str(out, key);
	JSONW_LIT(out, "\":{");
	for (int p = first; p <= (int)last; p++) {
		if (!b->part[p])
			continue;
		if (n++ > 0)
			jsonw_char(out, ',');
		jsonw_char(out, '"');
		jsonw_str(out, blocks_key((enum blocks_part)p));
		JSONW_LIT(out, "\":");
		put_part(out, text, bl, (enum blocks_part)p);
	}
	jsonw_char(out, '}');
}

/* A link is URL-safe text (a checked host, digits, base64url): written without escaping. */
static void
put_link(struct jsonw *out, const char *link, size_t n)
{
	if (n == 0) {
		JSONW_LIT(out, "null");
		return;
	}
	jsonw_char(out, '"');
	jsonw_mem(out, link, n);
	jsonw_char(out, '"');
}

static void
put_media(struct jsonw *out, const struct calls_ctx *ctx, const struct store_call *c,
          const char *base, int64_t expires, const char *nonce)
{
	char id[STORE_ID_MAX + 1], link[MEDIA_LINK_MAX];

	store_id_format(c->id_hi, c->id_lo, id);
	JSONW_LIT(out, ",\"media\":{\"audioUrl\":");
	put_link(out, link, media_link(ctx->key, base, id, "audio", expires, nonce, link));
	JSONW_LIT(out, ",\"videoUrl\":");
	put_link(out, link,
	         (c->flags & STORE_VIDEO)
	             ? media_link(ctx->key, base, id, "video", expires, nonce, link)
	             : 0);
	jsonw_char(out, '}');
}

static void
put_extensive(struct jsonw *out, const struct calls_ctx *ctx, const struct callsbody *b,
              const struct store *s, const struct store_call *c, const char *base, int64_t expires,
              const char *nonce)
{
	const struct blocks *bl = store_blocks(s, c);
	const char *text = store_block_text(s);

	JSONW_LIT(out, "{\"metaData\":");
	jsonw_mem(out, c->json, c->json_len);
	if (b->context != CALLSBODY_CONTEXT_NONE) {
		enum blocks_part p = BLOCKS_CONTEXT_BASIC;

		if (b->context == CALLSBODY_CONTEXT_EXTENDED)
			p = b->timing == (CALLSBODY_NOW | CALLSBODY_TIME_OF_CALL)
			        ? BLOCKS_CONTEXT_BOTH
			    : b->timing == CALLSBODY_TIME_OF_CALL ? BLOCKS_CONTEXT_TIME_OF_CALL
			                                          : BLOCKS_CONTEXT_NOW;
		JSONW_LIT(out, ",\"context\":");
		put_part(out, text, bl, p);
	}
	if (b->parties) {
		JSONW_LIT(out, ",\"parties\":");
		put_part(out, text, bl, BLOCKS_PARTIES);
	}
	if (b->content)
		put_group(out, "content", b, text, bl, BLOCKS_STRUCTURE, BLOCKS_KEY_POINTS);
	if (b->interaction)
		put_group(out, "interaction", b, text, bl, BLOCKS_SPEAKERS, BLOCKS_QUESTIONS);
	if (b->collaboration)
		put_group(out, "collaboration", b, text, bl, BLOCKS_COMMENTS, BLOCKS_COMMENTS);
	if (b->media)
		put_media(out, ctx, c, base, expires, nonce);
	jsonw_char(out, '}');
}

static void
put_transcript(struct jsonw *out, const struct store *s, const struct store_call *c)
{
	char id[STORE_ID_MAX + 1];

	store_id_format(c->id_hi, c->id_lo, id);
	JSONW_LIT(out, "{\"callId\":\"");
	jsonw_str(out, id);
	JSONW_LIT(out, "\",\"transcript\":");
	put_part(out, store_block_text(s), store_blocks(s, c), BLOCKS_TRANSCRIPT);
	jsonw_char(out, '}');
}

static void
callpost_answer(const struct calls_ctx *ctx, struct reqctx *x, enum callsbody_kind kind,
                struct response *r)
{
	unsigned op = kind == CALLSBODY_EXTENSIVE ? CURSOR_OP_EXTENSIVE : CURSOR_OP_TRANSCRIPT;
	int64_t now = calls_now(ctx);
	struct walk w;
	struct store_page page;
	const struct store_call **calls;
	const struct store *s;
	struct jsonw out = {0};
	unsigned ticket;
	char base[320];
	char *body;
	size_t len;

	if (walk_start(ctx, x, kind, op, now, &w, r) != 0) {
		callsbody_free(&w.b);
		return;
	}
	if (w.b.media && (x->missing_scopes & AUTH_CALLS_MEDIA) != 0) {
		callsbody_free(&w.b);
		error_respond(r, ERROR_NO_SCOPE,
		              "You don't have permission to use 'api:calls:read:media-url' in your "
		              "app.");
		return;
	}
	calls = malloc(ctx->page_size * sizeof(*calls));
	if (calls == NULL) {
		callsbody_free(&w.b);
		error_respond(r, ERROR_INTERNAL, NULL);
		return;
	}
	s = store_slot_acquire(ctx->slot, &ticket);
	page.calls = calls;
	store_query_started(s, &w.b.xf, w.afterp, ctx->page_size, &page);
	if (page.count == 0) {
		store_slot_release(ctx->slot, ticket);
		free(calls);
		callsbody_free(&w.b);
		error_respond(r, ERROR_NO_CALLS, NULL);
		return;
	}
	media_base(x->req, base, sizeof(base));
	/* Room for the whole page at once: every fragment a call has, and its links. */
	size_t want = 1024;
	for (size_t i = 0; i < page.count; i++) {
		const struct blocks *bl = store_blocks(s, page.calls[i]);

		want += page.calls[i]->json_len + 2 * MEDIA_LINK_MAX + 512;
		for (int p = 0; bl != NULL && p < BLOCKS_COUNT; p++)
			want += bl->len[p];
	}
	jsonw_reserve(&out, want);
	/* The walk keeps the total it started with, as Gong's cursor does. */
	if (walk_head(ctx, &w, op, now, &page, w.afterp != NULL ? w.total : page.total,
	              kind == CALLSBODY_EXTENSIVE ? "calls" : "callTranscripts", &out,
	              r->request_id) != 0)
		out.failed = 1;
	for (size_t i = 0; i < page.count && !out.failed; i++) {
		if (i > 0)
			jsonw_char(&out, ',');
		if (kind == CALLSBODY_EXTENSIVE)
			put_extensive(&out, ctx, &w.b, s, page.calls[i], base, now + MEDIA_TTL_S,
			              r->request_id);
		else
			put_transcript(&out, s, page.calls[i]);
	}
	JSONW_LIT(&out, "]}");
	store_slot_release(ctx->slot, ticket);
	free(calls);
	callsbody_free(&w.b);
	body = jsonw_finish(&out, &len);
	if (body == NULL) {
		error_respond(r, ERROR_INTERNAL, NULL);
		return;
	}
	r->status = 200;
	r->source = "fixture";
	if (response_header_add(r, "Content-Type", RESPONSE_JSON_TYPE) != 0 ||
	    response_piece_own(r, body, len) != 0) {
		char rid[sizeof(r->request_id)];

		memcpy(rid, r->request_id, sizeof(rid));
		response_free(r);
		response_init(r);
		memcpy(r->request_id, rid, sizeof(rid));
		error_respond(r, ERROR_INTERNAL, NULL);
	}
}

void
callpost_extensive(const struct calls_ctx *ctx, struct reqctx *x, struct response *r)
{
	callpost_answer(ctx, x, CALLSBODY_EXTENSIVE, r);
}

void
callpost_transcript(const struct calls_ctx *ctx, struct reqctx *x, struct response *r)
{
	callpost_answer(ctx, x, CALLSBODY_TRANSCRIPT, r);
}
