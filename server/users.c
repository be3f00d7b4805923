/*
 * users.c - users and workspaces: from query or body to a page of users, a user, or the
 * workspaces.
 *
 * A company holds hundreds or thousands of users, so a page is found by walking them in id
 * order; the cursor carries the last id served, the creation range and a hash of what else
 * the walk asked for (the ids, includeAvatars), so a changed filter can be told.
 */
#include "users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "company.h"
#include "error.h"
#include "isotime.h"
#include "jsonw.h"
#include "query.h"
#include "rng.h"

static const char users_none[] = "No users found corresponding to the provided filters";

/* What a walk of users asks for, and where it stands. */
struct uwalk {
	bool avatars;
	bool has_ids;
	struct store_id *ids; /* sorted, without duplicates */
	size_t nids;
	struct filter created; /* has_from/has_to: the creation range */
	uint64_t filter_hash;
	bool has_after;
	uint64_t after_hi;
	uint64_t after_lo;
	uint64_t page_number;
	uint64_t total; /* the walk's, from the cursor */
};

static int
id_cmp(const void *pa, const void *pb)
{
	const struct store_id *a = pa, *b = pb;

	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

static uint64_t
walk_hash(const struct uwalk *w)
{
	uint64_t h = rng_mix((w->avatars ? 1 : 2) + (w->has_ids ? 4 : 0));

	for (size_t i = 0; i < w->nids; i++)
		h = rng_mix(h ^
		            rng_mix(w->ids[i].hi * UINT64_C(0x9e3779b97f4a7c15) ^ w->ids[i].lo));
	return h;
}

static bool
fits(const struct uwalk *w, const struct company_user *u)
{
	if (w->has_ids) {
		struct store_id k = {u->id_hi, u->id_lo};

		if (bsearch(&k, w->ids, w->nids, sizeof(k), id_cmp) == NULL)
			return false;
	} else if (u->avatar && !w->avatars) {
		return false;
	}
	if (w->created.has_from &&
	    (u->created_us == INT64_MIN || u->created_us < w->created.from_us))
		return false;
	if (w->created.has_to && (u->created_us == INT64_MIN || u->created_us >= w->created.to_us))
		return false;
	return true;
}

/* Reads a cursor for this walk: 0, or -1 with Gong's 400 (or the --strict note) in r. */
static int
walk_cursor(const struct calls_ctx *ctx, const struct request *req, const struct cursor *c,
            unsigned op, struct uwalk *w, struct response *r)
{
	if (c->op != op) {
		error_respond(r, ERROR_CURSOR_INVALID, NULL);
		return -1;
	}
	if (c->filter_hash != w->filter_hash || c->filter.has_from != w->created.has_from ||
	    c->filter.has_to != w->created.has_to ||
	    (w->created.has_from && c->filter.from_us != w->created.from_us) ||
	    (w->created.has_to && c->filter.to_us != w->created.to_us)) {
		if (calls_note(
		        ctx, req,
		        "filter: differs from the request that returned the cursor; the walk "
		        "goes on with the new filter",
		        r) != 0)
			return -1;
	}
	store_id_split(c->last_id, strlen(c->last_id), &w->after_hi, &w->after_lo);
	w->has_after = true;
	w->page_number = c->page_number;
	w->total = c->total;
	return 0;
}

/* Sends the JSON written in out (which it takes) as a 200, or a 500 when writing failed. */
static void
users_send(struct response *r, struct jsonw *out)
{
	size_t len;
	char *body = jsonw_finish(out, &len);

	if (body == NULL) {
		error_respond(r, ERROR_INTERNAL, NULL);
		return;
	}
	r->status = 200;
	r->source = "fixture";
	(void)response_header_add(r, "Content-Type", RESPONSE_JSON_TYPE);
	(void)response_piece_own(r, body, len);
}

static void
users_fail(struct response *r, unsigned status, const char *msg)
{
	error_respond_status(r, status, &msg, 1);
}

/* The page of users the walk stands at. */
static void
users_page(const struct calls_ctx *ctx, struct uwalk *w, unsigned op, int64_t now,
           struct response *r)
{
	unsigned ticket;
	const struct store *s = store_slot_acquire(ctx->slot, &ticket);
	const struct company *co = store_company(s);
	size_t n, total = 0, count = 0, remaining = 0;
	const struct company_user *users = company_users(co, &n);
	const struct company_user *last = NULL;
	struct jsonw out = {0};
	char *body;

	if (w->has_ids) {
		/* Every id asked for must be a user: Gong names the ones it does not know. */
		struct jsonw missing = {0};
		size_t nmissing = 0;

		JSONW_LIT(&missing, "The following userIds were not found: ");
		for (size_t i = 0; i < w->nids; i++) {
			char id[STORE_ID_MAX + 1];

			if (company_user(co, w->ids[i].hi, w->ids[i].lo) != NULL)
				continue;
			store_id_format(w->ids[i].hi, w->ids[i].lo, id);
			if (nmissing++ > 0)
				JSONW_LIT(&missing, ", ");
			jsonw_str(&missing, id);
		}
		if (nmissing > 0) {
			store_slot_release(ctx->slot, ticket);
			body = jsonw_finish(&missing, NULL);
			users_fail(r, 404, body != NULL ? body : users_none);
			free(body);
			return;
		}
		jsonw_free(&missing);
	}
	for (size_t i = 0; i < n; i++) {
		const struct company_user *u = &users[i];

		if (!fits(w, u))
			continue;
		total++;
		if (w->has_after && (u->id_hi < w->after_hi ||
		                     (u->id_hi == w->after_hi && u->id_lo <= w->after_lo)))
			continue;
		if (count < ctx->page_size) {
			count++;
			last = u;
		} else {
			remaining++;
		}
	}
	if (count == 0) {
		store_slot_release(ctx->slot, ticket);
		users_fail(r, 404, users_none);
		return;
	}
	if (w->has_after)
		total = w->total;
	JSONW_LIT(&out, "{\"requestId\":\"");
	jsonw_str(&out, r->request_id);
	JSONW_LIT(&out, "\",\"records\":{\"totalRecords\":");
	jsonw_uint(&out, total);
	JSONW_LIT(&out, ",\"currentPageSize\":");
	jsonw_uint(&out, count);
	JSONW_LIT(&out, ",\"currentPageNumber\":");
	jsonw_uint(&out, w->page_number);
	if (remaining > 0) {
		struct cursor next;
		char text[CURSOR_TEXT_MAX + 1];

		memset(&next, 0, sizeof(next));
		next.filter = w->created;
		store_id_format(last->id_hi, last->id_lo, next.last_id);
		next.page_number = w->page_number + 1;
		next.total = total;
		next.page_size = ctx->page_size;
		next.exp = now + ctx->cursor_ttl;
		next.op = op;
		next.filter_hash = w->filter_hash;
		if (cursor_encode(ctx->key, &next, text, sizeof(text)) == 0) {
			out.failed = 1;
		} else {
			JSONW_LIT(&out, ",\"cursor\":\"");
			jsonw_str(&out, text);
			jsonw_char(&out, '"');
		}
	}
	JSONW_LIT(&out, "},\"users\":[");
	count = 0;
	for (size_t i = 0; i < n && count < ctx->page_size; i++) {
		const struct company_user *u = &users[i];

		if (!fits(w, u) ||
		    (w->has_after && (u->id_hi < w->after_hi ||
		                      (u->id_hi == w->after_hi && u->id_lo <= w->after_lo))))
			continue;
		if (count++ > 0)
			jsonw_char(&out, ',');
		jsonw_mem(&out, u->json, u->len);
	}
	JSONW_LIT(&out, "]}");
	store_slot_release(ctx->slot, ticket);
	users_send(r, &out);
}

void
users_list(const struct calls_ctx *ctx, struct reqctx *x, struct response *r)
{
	const struct query *q = reqctx_query(x);
	const struct query_param *p;
	struct uwalk w;
	int64_t now = calls_now(ctx);
	const struct cursor *cur = NULL;

	memset(&w, 0, sizeof(w));
	if (q == NULL) {
		error_respond(r, ERROR_BAD_REQUEST, "query: too long or too many parameters");
		return;
	}
	if ((p = query_get(q, "includeAvatars")) != NULL && p->value_len > 0) {
		if (strcmp(p->value, "true") == 0)
			w.avatars = true;
		else if (strcmp(p->value, "false") != 0) {
			error_respond(r, ERROR_BAD_REQUEST,
			              "includeAvatars: must be true or false");
			return;
		}
	}
	for (size_t i = 0; i < q->count; i++) {
		char what[160];

		if (strcmp(q->params[i].name, "cursor") == 0 ||
		    strcmp(q->params[i].name, "includeAvatars") == 0)
			continue;
		snprintf(
		    what, sizeof(what),
		    "query: parameter \"%.64s\" is not one this operation reads; it is ignored",
		    q->params[i].name);
		if (calls_note(ctx, x->req, what, r) != 0)
			return;
		break;
	}
	w.filter_hash = walk_hash(&w);
	if ((p = query_get(q, "cursor")) != NULL && p->value_len > 0) {
		switch (reqctx_cursor(x, ctx->key, now, &cur)) {
		case REQCTX_CURSOR_OK:
			break;
		case REQCTX_CURSOR_EXPIRED:
			error_respond(r, ERROR_CURSOR_EXPIRED, NULL);
			return;
		default:
			error_respond(r, ERROR_CURSOR_INVALID, NULL);
			return;
		}
		if (walk_cursor(ctx, x->req, cur, CURSOR_OP_USERS, &w, r) != 0)
			return;
	}
	users_page(ctx, &w, CURSOR_OP_USERS, now, r);
}

void
users_get(const struct calls_ctx *ctx, const char *id, struct response *r)
{
	size_t n = strlen(id);
	uint64_t hi, lo;
	unsigned ticket;
	const struct store *s;
	const struct company_user *u;
	struct jsonw out = {0};

	if (n == 0 || n > STORE_ID_MAX || strspn(id, "0123456789") != n) {
		error_respond(r, ERROR_BAD_REQUEST, "id: must be a string of 1-20 digits");
		return;
	}
	store_id_split(id, n, &hi, &lo);
	s = store_slot_acquire(ctx->slot, &ticket);
	u = company_user(store_company(s), hi, lo);
	if (u == NULL) {
		store_slot_release(ctx->slot, ticket);
		users_fail(r, 404, users_none);
		return;
	}
	JSONW_LIT(&out, "{\"requestId\":\"");
	jsonw_str(&out, r->request_id);
	JSONW_LIT(&out, "\",\"user\":");
	jsonw_mem(&out, u->json, u->len);
	jsonw_char(&out, '}');
	store_slot_release(ctx->slot, ticket);
	users_send(r, &out);
}

/* A creation date of the filter; 0, or -1 with the 400 in r. */
static int
created(const json_t *filter, const char *key, bool *has, int64_t *us, struct response *r)
{
	const json_t *v = json_object_get(filter, key);
	char again[ISOTIME_TEXT_MAX + 1], msg[96];

	*has = false;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) ||
	    isotime_parse(json_string_value(v), json_string_length(v), ISOTIME_LENIENT, us) < 0 ||
	    isotime_format(*us, again, sizeof(again)) == 0) {
		snprintf(msg, sizeof(msg), "filter.%s: must be a valid ISO-8601 date-time", key);
		error_respond(r, ERROR_BAD_REQUEST, msg);
		return -1;
	}
	*has = true;
	return 0;
}

/* The body's filter and cursor; 0, or -1 with the answer in r. */
static int
extensive_body(const struct calls_ctx *ctx, struct reqctx *x, struct uwalk *w, int64_t now,
               struct response *r)
{
	static const char *const known_body[] = {"filter", "cursor"};
	static const char *const known_filter[] = {"userIds", "createdFromDateTime",
	                                           "createdToDateTime", "includeAvatars"};
	const struct request *req = x->req;
	json_error_t je;
	json_t *root = NULL;
	const json_t *filter, *v;
	const char *key;
	char msg[256];
	int rc = -1;

	if (req->body == NULL || req->body_len == 0 ||
	    (root = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	                       &je)) == NULL) {
		error_respond(r, ERROR_BAD_REQUEST,
		              "request body: must be a JSON object with a filter");
		return -1;
	}
	if (!json_is_object(root)) {
		error_respond(r, ERROR_BAD_REQUEST, "request body: must be a JSON object");
		goto out;
	}
	filter = json_object_get(root, "filter");
	if (filter == NULL || json_is_null(filter)) {
		error_respond(r, ERROR_BAD_REQUEST, "filter: is required");
		goto out;
	}
	if (!json_is_object(filter)) {
		error_respond(r, ERROR_BAD_REQUEST, "filter: must be an object");
		goto out;
	}
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, known_body[0]) != 0 && strcmp(key, known_body[1]) != 0) {
			snprintf(msg, sizeof(msg),
			         "\"%.64s\" is not a field Gong knows; it is ignored", key);
			if (calls_note(ctx, req, msg, r) != 0)
				goto out;
			break;
		}
	}
	json_object_foreach((json_t *)filter, key, v)
	{
		size_t k;

		for (k = 0; k < 4 && strcmp(key, known_filter[k]) != 0; k++)
			;
		if (k == 4) {
			snprintf(msg, sizeof(msg),
			         "filter: \"%.64s\" is not a field Gong knows; it is ignored", key);
			if (calls_note(ctx, req, msg, r) != 0)
				goto out;
			break;
		}
	}
	v = json_object_get(filter, "includeAvatars");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_boolean(v)) {
			error_respond(r, ERROR_BAD_REQUEST,
			              "filter.includeAvatars: must be a boolean");
			goto out;
		}
		w->avatars = json_is_true(v);
	}
	if (created(filter, "createdFromDateTime", &w->created.has_from, &w->created.from_us, r) !=
	        0 ||
	    created(filter, "createdToDateTime", &w->created.has_to, &w->created.to_us, r) != 0)
		goto out;
	if (w->created.has_from && w->created.has_to && w->created.from_us >= w->created.to_us) {
		error_respond(r, ERROR_BAD_REQUEST,
		              "filter.createdFromDateTime: must be before createdToDateTime");
		goto out;
	}
	v = json_object_get(filter, "userIds");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_array(v)) {
			error_respond(r, ERROR_BAD_REQUEST,
			              "filter.userIds: must be an array of ids");
			goto out;
		}
		if (json_array_size(v) == 0) {
			error_respond(r, ERROR_BAD_REQUEST, "filter.userIds: must not be empty");
			goto out;
		}
		w->ids = malloc(json_array_size(v) * sizeof(*w->ids));
		if (w->ids == NULL) {
			error_respond(r, ERROR_INTERNAL, NULL);
			goto out;
		}
		for (size_t i = 0; i < json_array_size(v); i++) {
			const json_t *e = json_array_get(v, i);
			size_t n = json_string_length(e);

			if (!json_is_string(e) || n == 0 || n > STORE_ID_MAX ||
			    strspn(json_string_value(e), "0123456789") != n) {
				snprintf(msg, sizeof(msg),
				         "filter.userIds[%zu]: must be a string of 1-20 digits", i);
				error_respond(r, ERROR_BAD_REQUEST, msg);
				goto out;
			}
			store_id_split(json_string_value(e), n, &w->ids[i].hi, &w->ids[i].lo);
		}
		qsort(w->ids, json_array_size(v), sizeof(*w->ids), id_cmp);
		for (size_t i = 0; i < json_array_size(v); i++)
			if (w->nids == 0 || id_cmp(&w->ids[w->nids - 1], &w->ids[i]) != 0)
				w->ids[w->nids++] = w->ids[i];
		w->has_ids = true;
	}
	w->filter_hash = walk_hash(w);
	v = json_object_get(root, "cursor");
	if (v != NULL && !json_is_null(v)) {
		struct cursor c;

		if (!json_is_string(v)) {
			error_respond(r, ERROR_BAD_REQUEST, "cursor: must be a string");
			goto out;
		}
		if (json_string_length(v) > 0) {
			switch (cursor_decode(ctx->key, json_string_value(v), json_string_length(v),
			                      now, &c)) {
			case CURSOR_OK:
				break;
			case CURSOR_EXPIRED:
				error_respond(r, ERROR_CURSOR_EXPIRED, NULL);
				goto out;
			default:
				error_respond(r, ERROR_CURSOR_INVALID, NULL);
				goto out;
			}
			if (walk_cursor(ctx, req, &c, CURSOR_OP_USERS_EXTENSIVE, w, r) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

void
users_extensive(const struct calls_ctx *ctx, struct reqctx *x, struct response *r)
{
	struct uwalk w;
	int64_t now = calls_now(ctx);

	memset(&w, 0, sizeof(w));
	if (x->req->query_len > 0) {
		const struct query *q = reqctx_query(x);

		if (q == NULL) {
			error_respond(r, ERROR_BAD_REQUEST,
			              "query: too long or too many parameters");
			return;
		}
		if (q->count > 0 &&
		    calls_note(ctx, x->req,
		               query_get(q, "cursor") != NULL
		                   ? "cursor: a POST takes the cursor in its JSON body; the one in "
		                     "the query string is ignored"
		                   : "query: a POST reads no query parameters; they are ignored",
		               r) != 0)
			return;
	}
	if (extensive_body(ctx, x, &w, now, r) == 0)
		users_page(ctx, &w, CURSOR_OP_USERS_EXTENSIVE, now, r);
	free(w.ids);
}

void
users_workspaces(const struct calls_ctx *ctx, struct response *r)
{
	unsigned ticket;
	const struct store *s = store_slot_acquire(ctx->slot, &ticket);
	size_t n;
	const struct company_workspace *ws = company_workspaces(store_company(s), &n);
	struct jsonw out = {0};

	JSONW_LIT(&out, "{\"requestId\":\"");
	jsonw_str(&out, r->request_id);
	JSONW_LIT(&out, "\",\"workspaces\":[");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			jsonw_char(&out, ',');
		jsonw_mem(&out, ws[i].json, ws[i].len);
	}
	JSONW_LIT(&out, "]}");
	store_slot_release(ctx->slot, ticket);
	users_send(r, &out);
}
