/*
 * test_callpost.c - POST /v2/calls/extensive and POST /v2/calls/transcript without a socket: a
 * struct request with a JSON body in, a struct response out. The blocks each selector asks
 * for and nothing else, whole walks by the cursor in the body, the filters on the start time,
 * cursors of other operations and expired ones, what Gong tolerates (a warning) against
 * --strict (a 400), media links and their scope, transcripts, and GET /v2/calls/{id}.
 */
#include "callpost.h"

#include <check.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth.h"
#include "calls.h"
#include "cursor.h"
#include "media.h"
#include "store.h"

#include "extensive.h"
#include "harness.h"

#define RID "abcdefghijklmnopqr"
#define NO_CALLS "No calls found corresponding to the provided filters"
#define MAXCALLS 300

/* 2026-01-02T03:04:05Z */
static int64_t fake_now = 1767323045;

static int64_t
fake_clock(void)
{
	return fake_now;
}

struct fixture {
	struct cursor_key key;
	struct store_slot *slot;
	struct calls_ctx ctx;
	struct extensive_call calls[MAXCALLS];
	size_t n;
	size_t order[MAXCALLS]; /* indices in (started, id) order */
};

static void
fixture_text(struct fixture *fx, const char *data, unsigned page_size)
{
	char err[512];
	struct store *s = store_load_buffer("calls.json", data, strlen(data), err, sizeof(err));

	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_int_eq(cursor_key_init(&fx->key, "secret", err, sizeof(err)), 0);
	fx->slot = store_slot_create(s);
	ck_assert_ptr_nonnull(fx->slot);
	calls_ctx_init(&fx->ctx, fx->slot, &fx->key, page_size, 3600);
	fx->ctx.now = fake_clock;
}

/* A fixture holding extensive_dataset(n). */
static struct fixture *
fixture_data(size_t n, unsigned page_size)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char *text;

	ck_assert_ptr_nonnull(fx);
	ck_assert_uint_le(n, MAXCALLS);
	text = extensive_dataset(n, fx->calls);
	fx->n = n;
	extensive_order(fx->calls, n, fx->order);
	fixture_text(fx, text, page_size);
	free(text);
	return fx;
}

static void
fixture_free(struct fixture *fx)
{
	/* Every handler hands its pin back. */
	ck_assert_uint_eq(store_slot_readers(fx->slot), 0);
	store_slot_free(fx->slot);
	free(fx);
}

/* ---- Requests ---- */

enum view { EXTENSIVE, TRANSCRIPT };

static const char *const view_path[] = {"/v2/calls/extensive", "/v2/calls/transcript"};

/* What a request carries besides its body. */
struct opts {
	const char *query; /* NULL: none */
	const char *host;  /* the Host header, NULL: none */
	const char *rid;   /* NULL: RID */
	unsigned missing;  /* scopes the token lacks */
};

struct reply {
	unsigned status;
	json_t *json;
	char *log; /* what the handler wrote on stderr */
	char type[RESPONSE_HEADER_VALUE_MAX];
};

static const char *
header_host(const struct request *r, const char *name)
{
	return strcasecmp(name, "Host") == 0 ? r->header_cls : NULL;
}

static void
reply_free(struct reply *rp)
{
	json_decref(rp->json);
	free(rp->log);
	memset(rp, 0, sizeof(*rp));
}

/* Runs the handler with stderr written to a file; fills rp. */
static void
run(struct fixture *fx, enum view v, const char *method, const char *body, const struct opts *o,
    struct reply *rp)
{
	static const struct opts none = {0};
	struct request req;
	struct response r;
	struct reqctx *x = malloc(sizeof(*x));
	char path[64], *text;
	int fd, saved;
	size_t len;

	if (o == NULL)
		o = &none;
	memset(rp, 0, sizeof(*rp));
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = view_path[v];
	req.target = view_path[v];
	req.query = o->query != NULL ? o->query : "";
	req.query_len = strlen(req.query);
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	snprintf(req.request_id, sizeof(req.request_id), "%s", o->rid != NULL ? o->rid : RID);
	if (o->host != NULL) {
		req.header = header_host;
		req.header_cls = (void *)o->host;
	}
	response_init(&r);
	strcpy(r.request_id, req.request_id);
	ck_assert_ptr_nonnull(x);
	reqctx_init(x, &req);
	x->missing_scopes = o->missing;

	harness_temp_file("", ".log", path, sizeof(path));
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	if (v == EXTENSIVE)
		callpost_extensive(&fx->ctx, x, &r);
	else
		callpost_transcript(&fx->ctx, x, &r);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rp->log = harness_read_file(path, NULL);
	unlink(path);
	free(x);

	rp->status = r.status;
	for (size_t i = 0; i < r.nheaders; i++)
		if (strcasecmp(r.headers[i].name, "Content-Type") == 0)
			snprintf(rp->type, sizeof(rp->type), "%s", r.headers[i].value);
	len = response_body_len(&r);
	text = malloc(len + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(response_copy_body(&r, 0, text, len), len);
	text[len] = '\0';
	response_free(&r);
	rp->json = json_loads(text, 0, NULL);
	ck_assert_msg(rp->json != NULL, "not JSON: %s", text);
	free(text);
	/* The pin, if any, is released by now. */
	ck_assert_uint_eq(store_slot_readers(fx->slot), 0);
	ck_assert_str_eq(json_string_value(json_object_get(rp->json, "requestId")),
	                 o->rid != NULL ? o->rid : RID);
}

static void
post(struct fixture *fx, enum view v, const char *body, const struct opts *o, struct reply *rp)
{
	run(fx, v, "POST", body, o, rp);
}

/* POST that must answer 200; returns the parsed body (in rp). */
static void
post_ok(struct fixture *fx, enum view v, const char *body, const struct opts *o, struct reply *rp)
{
	post(fx, v, body, o, rp);
	ck_assert_msg(rp->status == 200, "%s: %u %s", body, rp->status,
	              json_string_value(json_array_get(json_object_get(rp->json, "errors"), 0)));
	ck_assert_str_eq(rp->type, "application/json; charset=utf-8");
}

static const char *
error_of(const struct reply *rp)
{
	json_t *errors = json_object_get(rp->json, "errors");

	ck_assert_uint_eq(json_array_size(errors), 1);
	return json_string_value(json_array_get(errors, 0));
}

/* POST that must answer `status` with the message `want`. */
static void
post_fails(struct fixture *fx, enum view v, const char *body, const struct opts *o, unsigned status,
           const char *want)
{
	struct reply rp;

	post(fx, v, body, o, &rp);
	ck_assert_msg(rp.status == status, "%s: status %u, want %u", body, rp.status, status);
	ck_assert_msg(strcmp(error_of(&rp), want) == 0, "%s\n  got  %s\n  want %s", body,
	              error_of(&rp), want);
	ck_assert_ptr_null(json_object_get(rp.json, "records"));
	reply_free(&rp);
}

static long long
rec(const struct reply *rp, const char *key)
{
	json_t *v = json_object_get(json_object_get(rp->json, "records"), key);

	ck_assert_msg(json_is_integer(v), "records.%s missing", key);
	return json_integer_value(v);
}

static const char *
cursor_of(const struct reply *rp)
{
	return json_string_value(json_object_get(json_object_get(rp->json, "records"), "cursor"));
}

/* The list of a page: calls or callTranscripts. */
static json_t *
list_of(const struct reply *rp, enum view v)
{
	json_t *l = json_object_get(rp->json, v == EXTENSIVE ? "calls" : "callTranscripts");

	ck_assert_msg(json_is_array(l), "no list in the answer");
	return l;
}

static const char *
id_of(json_t *item, enum view v)
{
	if (v == EXTENSIVE)
		return json_string_value(json_object_get(json_object_get(item, "metaData"), "id"));
	return json_string_value(json_object_get(item, "callId"));
}

static const struct extensive_call *
call_by_id(const struct fixture *fx, const char *id)
{
	for (size_t i = 0; i < fx->n; i++)
		if (strcmp(fx->calls[i].id, id) == 0)
			return &fx->calls[i];
	ck_abort_msg("no call %s in the data", id);
	return NULL;
}

/* Fails unless obj has exactly the keys listed (NULL-terminated). */
static void
assert_keys(const json_t *obj, const char *const *keys, const char *what)
{
	size_t n = 0;

	ck_assert_msg(json_is_object(obj), "%s: not an object", what);
	for (; keys[n] != NULL; n++)
		ck_assert_msg(json_object_get(obj, keys[n]) != NULL, "%s: no \"%s\"", what,
		              keys[n]);
	ck_assert_msg(json_object_size(obj) == n, "%s: %zu keys, want %zu", what,
	              json_object_size(obj), n);
}

static void
assert_equal(const json_t *got, const json_t *want, const char *what)
{
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
		char *w = json_dumps(want, JSON_COMPACT | JSON_ENCODE_ANY);

		ck_abort_msg("%s\n  got  %s\n  want %s", what, g, w);
	}
}

/* ---- Expected values, worked out from the data ---- */

static int
timing_of(const json_t *o)
{
	const char *t = json_string_value(json_object_get(o, "timing"));

	return t != NULL && strcmp(t, "TimeOfCall") == 0 ? 2 : 1;
}

/* The context as a selector asks for it: level 0 Basic, else the timings (1 Now, 2 TimeOfCall,
 * 3 both). */
static json_t *
expected_context(const json_t *ctx, int level)
{
	json_t *out = json_array();
	size_t i, k;
	json_t *sys;

	json_array_foreach(ctx, i, sys)
	{
		json_t *objs = json_array(), *o;

		json_array_foreach(json_object_get(sys, "objects"), k, o)
		{
			if (level == 0) {
				json_t *link = json_pack(
				    "{s:O,s:O}", "objectType", json_object_get(o, "objectType"),
				    "objectId", json_object_get(o, "objectId"));
				size_t e;
				json_t *seen;
				int dup = 0;

				json_array_foreach(objs, e, seen) dup |= json_equal(seen, link);
				if (dup)
					json_decref(link);
				else
					json_array_append_new(objs, link);
			} else if (timing_of(o) & level) {
				json_array_append(objs, o);
			}
		}
		if (json_array_size(objs) > 0)
			json_array_append_new(out, json_pack("{s:O,s:o}", "system",
			                                     json_object_get(sys, "system"),
			                                     "objects", objs));
		else
			json_decref(objs);
	}
	return out;
}

/* The trackers without their occurrences. */
static json_t *
expected_bare_trackers(const json_t *trackers)
{
	json_t *out = json_deep_copy(trackers), *t;
	size_t i;

	json_array_foreach(out, i, t) json_object_del(t, "occurrences");
	return out;
}

/* The metaData of a call as GET /v2/calls serves it. */
static json_t *
store_json(struct fixture *fx, const char *id)
{
	unsigned ticket;
	const struct store *s = store_slot_acquire(fx->slot, &ticket);
	uint64_t hi, lo;
	const struct store_call *c;
	json_t *j;

	store_id_split(id, strlen(id), &hi, &lo);
	c = store_find(s, hi, lo);
	ck_assert_ptr_nonnull(c);
	j = json_loadb(c->json, c->json_len, 0, NULL);
	store_slot_release(fx->slot, ticket);
	ck_assert_ptr_nonnull(j);
	return j;
}

/* ---- Selections ---- */

enum ctx_level { CTX_NONE = -1, CTX_BASIC = 0, CTX_NOW = 1, CTX_TOC = 2, CTX_BOTH = 3 };

struct selection {
	const char *selector; /* the contentSelector, or NULL */
	int parties, media;
	enum ctx_level context;
	const char *content[11]; /* keys of content, NULL-terminated; {NULL}: no content */
	const char *interaction[5];
	const char *collaboration[2];
	int occurrences; /* trackers come with their occurrences */
};

static const struct selection selections[] = {
    {NULL, 0, 0, CTX_NONE, {NULL}, {NULL}, {NULL}, 0},
    {"{}", 0, 0, CTX_NONE, {NULL}, {NULL}, {NULL}, 0},
    {"{\"context\":\"None\",\"exposedFields\":{}}", 0, 0, CTX_NONE, {NULL}, {NULL}, {NULL}, 0},
    {"{\"exposedFields\":{\"parties\":true}}", 1, 0, CTX_NONE, {NULL}, {NULL}, {NULL}, 0},
    {"{\"context\":\"Basic\"}", 0, 0, CTX_BASIC, {NULL}, {NULL}, {NULL}, 0},
    {"{\"context\":\"Extended\"}", 0, 0, CTX_NOW, {NULL}, {NULL}, {NULL}, 0},
    {"{\"context\":\"Extended\",\"contextTiming\":[\"Now\"]}",
     0,
     0,
     CTX_NOW,
     {NULL},
     {NULL},
     {NULL},
     0},
    {"{\"context\":\"Extended\",\"contextTiming\":[\"TimeOfCall\"]}",
     0,
     0,
     CTX_TOC,
     {NULL},
     {NULL},
     {NULL},
     0},
    {"{\"context\":\"Extended\",\"contextTiming\":[\"TimeOfCall\",\"Now\"]}",
     0,
     0,
     CTX_BOTH,
     {NULL},
     {NULL},
     {NULL},
     0},
    {"{\"exposedFields\":{\"content\":{\"structure\":true,\"brief\":true,\"keyPoints\":true,"
     "\"topics\":false}}}",
     0,
     0,
     CTX_NONE,
     {"structure", "brief", "keyPoints", NULL},
     {NULL},
     {NULL},
     0},
    {"{\"exposedFields\":{\"content\":{\"trackers\":true}}}",
     0,
     0,
     CTX_NONE,
     {"trackers", NULL},
     {NULL},
     {NULL},
     0},
    {"{\"exposedFields\":{\"content\":{\"trackerOccurrences\":true}}}",
     0,
     0,
     CTX_NONE,
     {"trackers", NULL},
     {NULL},
     {NULL},
     1},
    {"{\"exposedFields\":{\"content\":{\"pointsOfInterest\":true,\"callOutcome\":true,"
     "\"outline\":true,\"highlights\":true}}}",
     0,
     0,
     CTX_NONE,
     {"pointsOfInterest", "callOutcome", "outline", "highlights", NULL},
     {NULL},
     {NULL},
     0},
    {"{\"exposedFields\":{\"interaction\":{\"personInteractionStats\":true,\"questions\":true}}}",
     0,
     0,
     CTX_NONE,
     {NULL},
     {"interactionStats", "questions", NULL},
     {NULL},
     0},
    {"{\"exposedFields\":{\"interaction\":{\"speakers\":true,\"video\":true}}}",
     0,
     0,
     CTX_NONE,
     {NULL},
     {"speakers", "video", NULL},
     {NULL},
     0},
    {"{\"exposedFields\":{\"collaboration\":{\"publicComments\":true}}}",
     0,
     0,
     CTX_NONE,
     {NULL},
     {NULL},
     {"publicComments", NULL},
     0},
    {"{\"exposedFields\":{\"media\":true}}", 0, 1, CTX_NONE, {NULL}, {NULL}, {NULL}, 0},
    {"{\"context\":\"Extended\",\"contextTiming\":[\"Now\",\"TimeOfCall\"],\"exposedFields\":{"
     "\"parties\":true,\"media\":true,\"content\":{\"structure\":true,\"topics\":true,"
     "\"trackers\":true,\"trackerOccurrences\":true,\"pointsOfInterest\":true,\"brief\":true,"
     "\"outline\":true,\"highlights\":true,\"callOutcome\":true,\"keyPoints\":true},"
     "\"interaction\":{\"speakers\":true,\"video\":true,\"personInteractionStats\":true,"
     "\"questions\":true},\"collaboration\":{\"publicComments\":true}}}",
     1,
     1,
     CTX_BOTH,
     {"structure", "topics", "trackers", "pointsOfInterest", "brief", "outline", "highlights",
      "callOutcome", "keyPoints", NULL},
     {"speakers", "video", "interactionStats", "questions", NULL},
     {"publicComments", NULL},
     1},
};

/* What a call without the block holds for key k of group g. */
static json_t *
empty_value(const char *key)
{
	static const char *const nulls[] = {"pointsOfInterest", "brief", "callOutcome",
	                                    "questions"};

	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(key, nulls[i]) == 0)
			return json_null();
	return json_array();
}

static void
assert_group(const json_t *call, const char *group, const char *const *keys, const json_t *blocks,
             int occurrences, const char *id)
{
	char what[128];
	const json_t *g = json_object_get(call, group);

	snprintf(what, sizeof(what), "call %s: %s", id, group);
	if (keys[0] == NULL) {
		ck_assert_msg(g == NULL, "%s: not asked for, but there", what);
		return;
	}
	assert_keys(g, keys, what);
	for (size_t k = 0; keys[k] != NULL; k++) {
		json_t *want;

		snprintf(what, sizeof(what), "call %s: %s.%s", id, group, keys[k]);
		if (blocks == NULL)
			want = empty_value(keys[k]);
		else if (strcmp(keys[k], "trackers") == 0 && !occurrences)
			want = expected_bare_trackers(
			    json_object_get(json_object_get(blocks, group), keys[k]));
		else
			want =
			    json_incref(json_object_get(json_object_get(blocks, group), keys[k]));
		assert_equal(json_object_get(g, keys[k]), want, what);
		json_decref(want);
	}
}

START_TEST(each_selection_gives_exactly_the_asked_keys)
{
	const struct selection *sel = &selections[_i];
	struct fixture *fx = fixture_data(12, 100);
	struct reply rp;
	char body[2048];
	json_t *calls, *call;
	size_t i;

	if (sel->selector != NULL)
		snprintf(body, sizeof(body), "{\"filter\":{},\"contentSelector\":%s}",
		         sel->selector);
	else
		snprintf(body, sizeof(body), "{\"filter\":{}}");
	post_ok(fx, EXTENSIVE, body, NULL, &rp);
	ck_assert_str_eq(rp.log, "");
	calls = list_of(&rp, EXTENSIVE);
	ck_assert_uint_eq(json_array_size(calls), 12);
	json_array_foreach(calls, i, call)
	{
		const struct extensive_call *c = &fx->calls[fx->order[i]];
		json_t *blocks = c->blocks ? extensive_blocks(c) : NULL;
		json_t *meta = store_json(fx, c->id);
		size_t nkeys = 1;
		char what[64];

		ck_assert_str_eq(id_of(call, EXTENSIVE), c->id);
		snprintf(what, sizeof(what), "call %s: metaData", c->id);
		assert_equal(json_object_get(call, "metaData"), meta, what);
		ck_assert_uint_eq(json_object_size(meta), 20);
		json_decref(meta);
		if (sel->parties) {
			json_t *want =
			    blocks ? json_incref(json_object_get(blocks, "parties")) : json_array();

			snprintf(what, sizeof(what), "call %s: parties", c->id);
			assert_equal(json_object_get(call, "parties"), want, what);
			json_decref(want);
			nkeys++;
		}
		if (sel->context != CTX_NONE) {
			json_t *want = blocks ? expected_context(json_object_get(blocks, "context"),
			                                         sel->context)
			                      : json_array();

			snprintf(what, sizeof(what), "call %s: context", c->id);
			assert_equal(json_object_get(call, "context"), want, what);
			json_decref(want);
			nkeys++;
		}
		if (sel->media) {
			static const char *const media_keys[] = {"audioUrl", "videoUrl", NULL};

			assert_keys(json_object_get(call, "media"), media_keys, "media");
			nkeys++;
		}
		assert_group(call, "content", sel->content, blocks, sel->occurrences, c->id);
		assert_group(call, "interaction", sel->interaction, blocks, 0, c->id);
		assert_group(call, "collaboration", sel->collaboration, blocks, 0, c->id);
		nkeys += sel->content[0] != NULL;
		nkeys += sel->interaction[0] != NULL;
		nkeys += sel->collaboration[0] != NULL;
		ck_assert_msg(json_object_size(call) == nkeys, "call %s: %zu keys, want %zu", c->id,
		              json_object_size(call), nkeys);
		ck_assert_ptr_null(json_object_get(call, "transcript"));
		json_decref(blocks);
	}
	reply_free(&rp);
	fixture_free(fx);
}
END_TEST

START_TEST(the_context_parts_differ_as_the_data_does)
{
	/* A guard on the expectations above: the four context answers are not all alike. */
	struct extensive_call c;
	json_t *b, *parts[4];

	memset(&c, 0, sizeof(c));
	strcpy(c.id, "5");
	c.blocks = 1;
	b = extensive_blocks(&c);
	for (int l = 0; l < 4; l++)
		parts[l] = expected_context(json_object_get(b, "context"), l);
	for (int l = 0; l < 4; l++)
		for (int m = l + 1; m < 4; m++)
			ck_assert_msg(!json_equal(parts[l], parts[m]), "levels %d and %d agree", l,
			              m);
	/* Now keeps Salesforce only; Basic lists three objects once each. */
	ck_assert_uint_eq(json_array_size(parts[CTX_NOW]), 1);
	ck_assert_uint_eq(json_array_size(parts[CTX_TOC]), 2);
	ck_assert_uint_eq(
	    json_array_size(json_object_get(json_array_get(parts[CTX_BASIC], 0), "objects")), 2);
	for (int l = 0; l < 4; l++)
		json_decref(parts[l]);
	json_decref(b);
}
END_TEST

/* ---- Walks ---- */

/*
 * Walks a view with the filter (JSON object text) and `extra` members of the body ("" or
 * ",\"contentSelector\":..."), page by page with the cursor in the body, and checks that the
 * calls come exactly as want[0, nwant) and that the records are right on every page.
 */
static void
walk(struct fixture *fx, enum view v, const char *filter, const char *extra, const size_t *want,
     size_t nwant)
{
	char *body = malloc(8192);
	struct reply rp;
	size_t seen = 0;
	long long page = 0;
	unsigned size = fx->ctx.page_size;

	ck_assert_ptr_nonnull(body);
	snprintf(body, 8192, "{\"filter\":%s%s}", filter, extra);
	for (;;) {
		json_t *list, *item;
		size_t i, expect = nwant - seen < size ? nwant - seen : size;

		post_ok(fx, v, body, NULL, &rp);
		ck_assert_str_eq(rp.log, "");
		ck_assert_int_eq(rec(&rp, "totalRecords"), (long long)nwant);
		ck_assert_int_eq(rec(&rp, "currentPageNumber"), page);
		ck_assert_int_eq(rec(&rp, "currentPageSize"), (long long)expect);
		list = list_of(&rp, v);
		ck_assert_uint_eq(json_array_size(list), expect);
		json_array_foreach(list, i, item)
		{
			const struct extensive_call *c = &fx->calls[want[seen]];

			ck_assert_msg(strcmp(id_of(item, v), c->id) == 0,
			              "%s: item %zu is %s, want %s", filter, seen, id_of(item, v),
			              c->id);
			if (v == TRANSCRIPT) {
				static const char *const keys[] = {"callId", "transcript", NULL};
				json_t *b = c->blocks ? extensive_blocks(c) : NULL;
				json_t *t = b ? json_incref(json_object_get(b, "transcript"))
				              : json_array();

				assert_keys(item, keys, "callTranscripts[]");
				assert_equal(json_object_get(item, "transcript"), t, c->id);
				json_decref(t);
				json_decref(b);
			}
			seen++;
		}
		/* A cursor while more remain, and only then. */
		if (seen < nwant) {
			ck_assert_msg(cursor_of(&rp) != NULL, "%s: no cursor after %zu of %zu",
			              filter, seen, nwant);
			ck_assert_uint_eq(json_object_size(json_object_get(rp.json, "records")), 4);
		} else {
			ck_assert_ptr_null(cursor_of(&rp));
			ck_assert_uint_eq(json_object_size(json_object_get(rp.json, "records")), 3);
			reply_free(&rp);
			break;
		}
		snprintf(body, 8192, "{\"filter\":%s%s,\"cursor\":\"%s\"}", filter, extra,
		         cursor_of(&rp));
		reply_free(&rp);
		page++;
	}
	ck_assert_uint_eq(seen, nwant);
	free(body);
}

START_TEST(a_walk_by_the_body_cursor_serves_every_call_once)
{
	enum view v = (enum view)_i;
	struct fixture *fx = fixture_data(260, 100);
	struct reply rp;

	walk(fx, v, "{}", "", fx->order, fx->n);
	/* "cursor": null and "" are a first page too. */
	post_ok(fx, v, "{\"filter\":{},\"cursor\":null}", NULL, &rp);
	ck_assert_int_eq(rec(&rp, "currentPageNumber"), 0);
	ck_assert_str_eq(id_of(json_array_get(list_of(&rp, v), 0), v), fx->calls[fx->order[0]].id);
	reply_free(&rp);
	post_ok(fx, v, "{\"filter\":{},\"cursor\":\"\"}", NULL, &rp);
	ck_assert_int_eq(rec(&rp, "currentPageNumber"), 0);
	reply_free(&rp);
	fixture_free(fx);
}
END_TEST

START_TEST(a_walk_with_every_block)
{
	struct fixture *fx = fixture_data(230, 100);

	walk(fx, EXTENSIVE, "{}",
	     ",\"contentSelector\":{\"context\":\"Extended\",\"exposedFields\":{\"parties\":true,"
	     "\"media\":true,\"content\":{\"trackers\":true},\"interaction\":{\"speakers\":true}}}",
	     fx->order, fx->n);
	fixture_free(fx);
}
END_TEST

/* The calls of fx in the views' order that pass keep(), into want; returns how many. */
static size_t
expect_calls(const struct fixture *fx, int (*keep)(const struct extensive_call *), size_t *want)
{
	size_t n = 0;

	for (size_t i = 0; i < fx->n; i++)
		if (keep(&fx->calls[fx->order[i]]))
			want[n++] = fx->order[i];
	return n;
}

static int
in_ws8(const struct extensive_call *c)
{
	return strcmp(c->workspace, "8") == 0;
}

static int
by_users_11_13(const struct extensive_call *c)
{
	return strcmp(c->user, "11") == 0 || strcmp(c->user, "13") == 0;
}

static int
by_even_index(const struct extensive_call *c)
{
	/* Ids are 9999999000 + 7 i: an even i is an even id. */
	return (c->id[strlen(c->id) - 1] - '0') % 2 == 0;
}

static int
from_20_to_100(const struct extensive_call *c)
{
	return c->minute >= 20 && c->minute < 100;
}

static int
combined(const struct extensive_call *c)
{
	return strcmp(c->workspace, "7") == 0 && c->minute >= 10 && c->minute < 120 &&
	       strcmp(c->user, "12") != 0 && c->user[0] != '\0' && by_even_index(c);
}

/* A JSON list of the ids of calls passing keep, with three unknown ids after. */
static char *
ids_json(const struct fixture *fx, int (*keep)(const struct extensive_call *))
{
	char *out = malloc(fx->n * 24 + 128);
	size_t len = 0;

	ck_assert_ptr_nonnull(out);
	out[len++] = '[';
	/* Listed backwards: the order of a list does not matter. */
	for (size_t i = fx->n; i-- > 0;)
		if (keep(&fx->calls[i]))
			len += (size_t)sprintf(out + len, "\"%s\",", fx->calls[i].id);
	len += (size_t)sprintf(out + len, "\"1\",\"77777777777777777777\",\"9999999001\"]");
	return out;
}

START_TEST(walks_with_filters)
{
	enum view v = (enum view)_i;
	struct fixture *fx = fixture_data(260, 40);
	size_t want[MAXCALLS], n;
	char filter[8192], *ids;

	n = expect_calls(fx, in_ws8, want);
	ck_assert_uint_gt(n, 80);
	walk(fx, v, "{\"workspaceId\":\"8\"}", "", want, n);

	n = expect_calls(fx, from_20_to_100, want);
	ck_assert_uint_eq(n, 160);
	walk(fx, v,
	     "{\"fromDateTime\":\"2025-01-01T00:20:00Z\",\"toDateTime\":"
	     "\"2025-01-01T01:40:00Z\"}",
	     "", want, n);

	ids = ids_json(fx, by_even_index);
	n = expect_calls(fx, by_even_index, want);
	ck_assert_uint_eq(n, 130);
	snprintf(filter, sizeof(filter), "{\"callIds\":%s}", ids);
	walk(fx, v, filter, "", want, n);
	free(ids);

	if (v == EXTENSIVE) {
		n = expect_calls(fx, by_users_11_13, want);
		ck_assert_uint_gt(n, 80);
		walk(fx, v, "{\"primaryUserIds\":[\"13\",\"11\",\"11\"]}", "", want, n);

		ids = ids_json(fx, by_even_index);
		n = expect_calls(fx, combined, want);
		ck_assert_uint_gt(n, 5);
		snprintf(
		    filter, sizeof(filter),
		    "{\"workspaceId\":\"7\",\"fromDateTime\":\"2025-01-01T00:10:00Z\","
		    "\"toDateTime\":\"2025-01-01T02:00:00Z\",\"primaryUserIds\":[\"10\",\"11\","
		    "\"13\",\"14\"],\"callIds\":%s}",
		    ids);
		walk(fx, v, filter, "", want, n);
		free(ids);
	}
	fixture_free(fx);
}
END_TEST

START_TEST(dates_apply_to_the_start_not_the_schedule)
{
	/* Two web conferences straddle midnight the other way round from their schedules. */
	static const char data[] =
	    "[{\"id\":\"1\",\"scheduled\":\"2025-01-01T23:50:00Z\",\"started\":"
	    "\"2025-01-02T00:10:00Z\",\"meetingUrl\":\"https://zoom.us/j/1\"},"
	    "{\"id\":\"2\",\"scheduled\":\"2025-01-02T00:05:00Z\",\"started\":"
	    "\"2025-01-01T23:55:00Z\",\"meetingUrl\":\"https://zoom.us/j/2\"},"
	    "{\"id\":\"3\",\"started\":\"2025-01-02T00:00:00Z\"},"
	    "{\"id\":\"4\",\"started\":\"2025-01-01T12:00:00Z\"}]";
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct reply rp;
	json_t *list;

	fixture_text(fx, data, 100);
	for (int v = EXTENSIVE; v <= TRANSCRIPT; v++) {
		post_ok(fx, (enum view)v,
		        "{\"filter\":{\"fromDateTime\":\"2025-01-02T00:00:00Z\"}}", NULL, &rp);
		list = list_of(&rp, (enum view)v);
		ck_assert_uint_eq(json_array_size(list), 2);
		ck_assert_str_eq(id_of(json_array_get(list, 0), (enum view)v), "3");
		ck_assert_str_eq(id_of(json_array_get(list, 1), (enum view)v), "1");
		ck_assert_int_eq(rec(&rp, "totalRecords"), 2);
		reply_free(&rp);
		post_ok(fx, (enum view)v, "{\"filter\":{\"toDateTime\":\"2025-01-02T00:00:00Z\"}}",
		        NULL, &rp);
		list = list_of(&rp, (enum view)v);
		ck_assert_uint_eq(json_array_size(list), 2);
		ck_assert_str_eq(id_of(json_array_get(list, 0), (enum view)v), "4");
		ck_assert_str_eq(id_of(json_array_get(list, 1), (enum view)v), "2");
		reply_free(&rp);
		/* fromDateTime inclusive, toDateTime exclusive, on the start. */
		post_ok(
		    fx, (enum view)v,
		    "{\"filter\":{\"fromDateTime\":\"2025-01-02T01:00:00+01:00\",\"toDateTime\":"
		    "\"2025-01-02T00:00:00.000001Z\"}}",
		    NULL, &rp);
		list = list_of(&rp, (enum view)v);
		ck_assert_uint_eq(json_array_size(list), 1);
		ck_assert_str_eq(id_of(json_array_get(list, 0), (enum view)v), "3");
		reply_free(&rp);
		/* The whole range of the schedules of 1 and 2 holds neither start. */
		post_fails(fx, (enum view)v,
		           "{\"filter\":{\"fromDateTime\":\"2025-01-01T23:50:00Z\",\"toDateTime\":"
		           "\"2025-01-01T23:55:00Z\"}}",
		           NULL, 404, NO_CALLS);
	}
	fixture_free(fx);
}
END_TEST

START_TEST(unknown_ids_are_not_returned_and_nothing_is_404)
{
	struct fixture *fx = fixture_data(24, 100);
	struct reply rp;
	char body[512];

	for (int v = EXTENSIVE; v <= TRANSCRIPT; v++) {
		snprintf(body, sizeof(body), "{\"filter\":{\"callIds\":[\"%s\",\"42\",\"%s\"]}}",
		         fx->calls[5].id, fx->calls[2].id);
		post_ok(fx, (enum view)v, body, NULL, &rp);
		ck_assert_int_eq(rec(&rp, "totalRecords"), 2);
		ck_assert_uint_eq(json_array_size(list_of(&rp, (enum view)v)), 2);
		reply_free(&rp);

		post_fails(fx, (enum view)v, "{\"filter\":{\"callIds\":[\"42\",\"43\"]}}", NULL,
		           404, NO_CALLS);
		post_fails(fx, (enum view)v, "{\"filter\":{\"workspaceId\":\"1\"}}", NULL, 404,
		           NO_CALLS);
		post_fails(fx, (enum view)v,
		           "{\"filter\":{\"fromDateTime\":\"2026-01-01T00:00:00Z\"}}", NULL, 404,
		           NO_CALLS);
		/* An id in the data but outside the other filters is not returned either. */
		snprintf(body, sizeof(body),
		         "{\"filter\":{\"callIds\":[\"%s\"],\"workspaceId\":\"%s\"}}",
		         fx->calls[5].id, strcmp(fx->calls[5].workspace, "7") == 0 ? "8" : "7");
		post_fails(fx, (enum view)v, body, NULL, 404, NO_CALLS);
	}
	post_fails(fx, EXTENSIVE, "{\"filter\":{\"primaryUserIds\":[\"99\"]}}", NULL, 404,
	           NO_CALLS);
	/* Bad bodies answer 400 with the reason. */
	post_fails(fx, EXTENSIVE, "{}", NULL, 400, "filter: is required");
	post_fails(fx, TRANSCRIPT, "{\"filter\":{\"callIds\":[]}}", NULL, 400,
	           "filter.callIds: must not be empty");
	post_fails(fx, TRANSCRIPT, NULL, NULL, 400,
	           "request body: must be a JSON object with a filter");
	post_fails(fx, EXTENSIVE,
	           "{\"filter\":{\"fromDateTime\":\"2025-02-01T00:00:00Z\",\"toDateTime\":"
	           "\"2025-01-01T00:00:00Z\"}}",
	           NULL, 400, "filter.fromDateTime: must be before toDateTime");
	fixture_free(fx);
}
END_TEST

START_TEST(a_reload_between_pages_neither_skips_nor_repeats)
{
	/* Five calls; the second page is asked for after call 2 went away and 6 came. */
	static const char before[] = "[{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"},"
	                             "{\"id\":\"2\",\"started\":\"2025-01-02T00:00:00Z\"},"
	                             "{\"id\":\"3\",\"started\":\"2025-01-03T00:00:00Z\"},"
	                             "{\"id\":\"4\",\"started\":\"2025-01-04T00:00:00Z\"},"
	                             "{\"id\":\"5\",\"started\":\"2025-01-05T00:00:00Z\"}]";
	static const char after[] = "[{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"},"
	                            "{\"id\":\"3\",\"started\":\"2025-01-03T00:00:00Z\"},"
	                            "{\"id\":\"6\",\"started\":\"2025-01-02T12:00:00Z\"},"
	                            "{\"id\":\"4\",\"started\":\"2025-01-04T00:00:00Z\"},"
	                            "{\"id\":\"5\",\"started\":\"2025-01-05T00:00:00Z\"}]";

	for (int v = EXTENSIVE; v <= TRANSCRIPT; v++) {
		struct fixture *fx = calloc(1, sizeof(*fx));
		char body[2048], err[256];
		struct reply rp;
		struct store *s;
		json_t *list;

		fixture_text(fx, before, 2);
		post_ok(fx, (enum view)v, "{\"filter\":{}}", NULL, &rp);
		snprintf(body, sizeof(body), "{\"filter\":{},\"cursor\":\"%s\"}", cursor_of(&rp));
		reply_free(&rp);
		s = store_load_buffer("after", after, strlen(after), err, sizeof(err));
		ck_assert_msg(s != NULL, "%s", err);
		store_slot_swap(fx->slot, s);
		post_ok(fx, (enum view)v, body, NULL, &rp);
		list = list_of(&rp, (enum view)v);
		/* After call 2's start: 6 (started later that day) and 3. */
		ck_assert_uint_eq(json_array_size(list), 2);
		ck_assert_str_eq(id_of(json_array_get(list, 0), (enum view)v), "6");
		ck_assert_str_eq(id_of(json_array_get(list, 1), (enum view)v), "3");
		ck_assert_int_eq(rec(&rp, "currentPageNumber"), 1);
		ck_assert_int_eq(rec(&rp, "totalRecords"), 5);
		reply_free(&rp);
		fixture_free(fx);
	}
}
END_TEST

/* ---- Cursors ---- */

/* The cursor of the first page of a view's walk with body `body`. */
static char *
first_cursor(struct fixture *fx, enum view v, const char *body)
{
	struct reply rp;
	char *c;

	post_ok(fx, v, body, NULL, &rp);
	ck_assert_ptr_nonnull(cursor_of(&rp));
	c = strdup(cursor_of(&rp));
	reply_free(&rp);
	return c;
}

/* The cursor of GET /v2/calls's first page. */
static char *
list_cursor(struct fixture *fx, const char *query, unsigned *status)
{
	struct request req;
	struct response r;
	struct reqctx *x = malloc(sizeof(*x));
	char *text, *c = NULL;
	size_t len;
	json_t *j;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/v2/calls";
	req.query = query;
	req.query_len = strlen(query);
	strcpy(req.request_id, RID);
	response_init(&r);
	strcpy(r.request_id, RID);
	reqctx_init(x, &req);
	calls_list(&fx->ctx, x, &r);
	free(x);
	len = response_body_len(&r);
	text = malloc(len + 1);
	response_copy_body(&r, 0, text, len);
	text[len] = '\0';
	*status = r.status;
	response_free(&r);
	j = json_loads(text, 0, NULL);
	ck_assert_msg(j != NULL, "%s", text);
	free(text);
	if (json_string_value(json_object_get(json_object_get(j, "records"), "cursor")) != NULL)
		c = strdup(
		    json_string_value(json_object_get(json_object_get(j, "records"), "cursor")));
	else if (json_array_size(json_object_get(j, "errors")) > 0)
		c = strdup(json_string_value(json_array_get(json_object_get(j, "errors"), 0)));
	json_decref(j);
	return c;
}

START_TEST(cursors_of_other_operations_are_refused)
{
	struct fixture *fx = fixture_data(30, 10);
	char *ext = first_cursor(fx, EXTENSIVE, "{\"filter\":{}}");
	char *tx = first_cursor(fx, TRANSCRIPT, "{\"filter\":{}}");
	char *list, body[2048];
	unsigned st;
	struct reply rp;
	struct cursor_key other;
	char err[64];

	/* Each view goes on with its own cursor. */
	snprintf(body, sizeof(body), "{\"filter\":{},\"cursor\":\"%s\"}", ext);
	post_ok(fx, EXTENSIVE, body, NULL, &rp);
	ck_assert_int_eq(rec(&rp, "currentPageNumber"), 1);
	reply_free(&rp);
	post_fails(fx, TRANSCRIPT, body, NULL, 400, "Failed to verify cursor");
	snprintf(body, sizeof(body), "{\"filter\":{},\"cursor\":\"%s\"}", tx);
	post_ok(fx, TRANSCRIPT, body, NULL, &rp);
	ck_assert_int_eq(rec(&rp, "currentPageNumber"), 1);
	reply_free(&rp);
	post_fails(fx, EXTENSIVE, body, NULL, 400, "Failed to verify cursor");

	/* GET /v2/calls's cursors are not the POST views'. */
	list = list_cursor(fx, "", &st);
	ck_assert_uint_eq(st, 200);
	snprintf(body, sizeof(body), "{\"filter\":{},\"cursor\":\"%s\"}", list);
	post_fails(fx, EXTENSIVE, body, NULL, 400, "Failed to verify cursor");
	post_fails(fx, TRANSCRIPT, body, NULL, 400, "Failed to verify cursor");

	/* Nor is anything else. */
	post_fails(fx, EXTENSIVE, "{\"filter\":{},\"cursor\":\"abc\"}", NULL, 400,
	           "Failed to verify cursor");
	ck_assert_int_eq(cursor_key_init(&other, "other", err, sizeof(err)), 0);
	fx->ctx.key = &other;
	snprintf(body, sizeof(body), "{\"filter\":{},\"cursor\":\"%s\"}", ext);
	post_fails(fx, EXTENSIVE, body, NULL, 400, "Failed to verify cursor");
	fx->ctx.key = &fx->key;
	free(ext);
	free(tx);
	free(list);
	fixture_free(fx);
}
END_TEST

START_TEST(an_expired_cursor)
{
	struct fixture *fx = fixture_data(30, 10);
	int64_t start = fake_now;

	for (int v = EXTENSIVE; v <= TRANSCRIPT; v++) {
		char *c = first_cursor(fx, (enum view)v, "{\"filter\":{}}"), body[2048];
		struct reply rp;

		snprintf(body, sizeof(body), "{\"filter\":{},\"cursor\":\"%s\"}", c);
		fake_now = start + 3599;
		post_ok(fx, (enum view)v, body, NULL, &rp);
		ck_assert_int_eq(rec(&rp, "currentPageNumber"), 1);
		reply_free(&rp);
		fake_now = start + 3600;
		post_fails(
		    fx, (enum view)v, body, NULL, 400,
		    "cursor: cursor has expired, please restart the listing without a cursor");
		fake_now = start;
		free(c);
	}
	fixture_free(fx);
}
END_TEST

/* ---- What Gong tolerates ---- */

static void
assert_warned(const struct reply *rp, enum view v, const char *what)
{
	char want[1024];

	snprintf(want, sizeof(want), " warning POST %s (requestId %s): %s\n", view_path[v], RID,
	         what);
	ck_assert_msg(strstr(rp->log, want) != NULL, "no warning\n  %s\nin\n  %s", want, rp->log);
	/* One line, for one mistake. */
	ck_assert_ptr_eq(strchr(rp->log, '\n'), rp->log + strlen(rp->log) - 1);
}

START_TEST(a_cursor_in_the_query_string)
{
	static const char what[] = "cursor: a POST takes the cursor in its JSON body; the one in "
	                           "the query string is ignored and the walk starts over";
	struct fixture *fx = fixture_data(30, 10);

	for (int v = EXTENSIVE; v <= TRANSCRIPT; v++) {
		char *c = first_cursor(fx, (enum view)v, "{\"filter\":{}}"), query[1024], msg[512];
		struct opts o = {.query = query};
		struct reply rp;

		snprintf(query, sizeof(query), "cursor=%s", c);
		/* Gong does not read it: the first page again, and a warning. */
		post_ok(fx, (enum view)v, "{\"filter\":{}}", &o, &rp);
		ck_assert_int_eq(rec(&rp, "currentPageNumber"), 0);
		ck_assert_str_eq(id_of(json_array_get(list_of(&rp, (enum view)v), 0), (enum view)v),
		                 fx->calls[fx->order[0]].id);
		ck_assert_str_eq(cursor_of(&rp), c);
		assert_warned(&rp, (enum view)v, what);
		reply_free(&rp);
		/* With a query of other parameters too. */
		snprintf(query, sizeof(query), "cursor=%s&workspaceId=7", c);
		post_ok(fx, (enum view)v, "{\"filter\":{}}", &o, &rp);
		ck_assert_int_eq(rec(&rp, "currentPageNumber"), 0);
		assert_warned(&rp, (enum view)v, what);
		reply_free(&rp);

		fx->ctx.strict = 1;
		snprintf(query, sizeof(query), "cursor=%s", c);
		snprintf(msg, sizeof(msg), "%s (refused under --strict)", what);
		post(fx, (enum view)v, "{\"filter\":{}}", &o, &rp);
		ck_assert_uint_eq(rp.status, 400);
		ck_assert_str_eq(error_of(&rp), msg);
		ck_assert_ptr_null(strstr(rp.log, "warn"));
		reply_free(&rp);
		fx->ctx.strict = 0;
		free(c);
	}
	fixture_free(fx);
}
END_TEST

struct mistake {
	enum view view;
	const char *query;
	const char *body;
	const char *what;
};

static const struct mistake mistakes[] = {
    {EXTENSIVE, "limit=5", "{\"filter\":{}}",
     "query: parameter \"limit\" is not one this operation reads; it is ignored"},
    {TRANSCRIPT, "workspaceId=7", "{\"filter\":{}}",
     "query: parameter \"workspaceId\" is not one this operation reads; it is ignored"},
    {EXTENSIVE, NULL, "{\"filter\":{},\"includeEntities\":true}",
     "\"includeEntities\" is not a field Gong knows; it is ignored"},
    {TRANSCRIPT, NULL, "{\"filter\":{\"userIds\":[\"1\"]}}",
     "filter: \"userIds\" is not a field Gong knows; it is ignored"},
    {TRANSCRIPT, NULL, "{\"filter\":{\"primaryUserIds\":[\"11\"]}}",
     "filter: \"primaryUserIds\" is not a field Gong knows; it is ignored"},
    {TRANSCRIPT, NULL, "{\"filter\":{},\"contentSelector\":{}}",
     "\"contentSelector\" is not a field Gong knows; it is ignored"},
    {EXTENSIVE, NULL, "{\"filter\":{},\"contentSelector\":{\"exposed\":{}}}",
     "contentSelector: \"exposed\" is not a field Gong knows; it is ignored"},
    {EXTENSIVE, NULL,
     "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"content\":{\"summary\":true}}}}",
     "contentSelector.exposedFields.content: \"summary\" is not a field Gong knows; it is "
     "ignored"},
    {EXTENSIVE, NULL,
     "{\"filter\":{},\"contentSelector\":{\"context\":\"Basic\",\"contextTiming\":[\"Now\"]}}",
     "contentSelector.contextTiming: can be given only when context is Extended; it is "
     "ignored"},
};

START_TEST(unknown_keys_and_parameters_warn_or_refuse)
{
	const struct mistake *m = &mistakes[_i];
	struct fixture *fx = fixture_data(30, 100);
	struct opts o = {.query = m->query};
	struct reply rp;
	char msg[512];

	post_ok(fx, m->view, m->body, &o, &rp);
	ck_assert_int_eq(rec(&rp, "totalRecords"), 30);
	assert_warned(&rp, m->view, m->what);
	reply_free(&rp);
	fx->ctx.strict = 1;
	snprintf(msg, sizeof(msg), "%s (refused under --strict)", m->what);
	post_fails(fx, m->view, m->body, &o, 400, msg);
	fixture_free(fx);
}
END_TEST

struct change {
	const char *first;  /* the filter of the first page */
	const char *second; /* the filter sent with its cursor */
	const char *field;  /* the field named, NULL: no change */
};

static const struct change changes[] = {
    {"{\"workspaceId\":\"7\"}", "{\"workspaceId\":\"8\"}", "filter.workspaceId"},
    {"{\"workspaceId\":\"7\"}", "{}", "filter.workspaceId"},
    {"{}", "{\"fromDateTime\":\"2025-01-01T00:00:00Z\"}", "filter.fromDateTime"},
    {"{\"toDateTime\":\"2025-01-02T00:00:00Z\"}", "{\"toDateTime\":\"2025-01-03T00:00:00Z\"}",
     "filter.toDateTime"},
    {"{\"callIds\":[\"9999999000\",\"9999999007\",\"9999999014\",\"9999999021\"]}",
     "{\"callIds\":[\"9999999000\",\"9999999007\",\"9999999014\"]}",
     "filter.callIds or filter.primaryUserIds"},
    {"{\"primaryUserIds\":[\"11\",\"12\"]}", "{\"primaryUserIds\":[\"11\"]}",
     "filter.callIds or filter.primaryUserIds"},
    {"{\"primaryUserIds\":[\"11\",\"12\"]}", "{}", "filter.callIds or filter.primaryUserIds"},
    /* The same filter written otherwise is no change. */
    {"{\"callIds\":[\"9999999000\",\"9999999007\",\"9999999014\",\"9999999021\"]}",
     "{\"callIds\":[\"9999999021\",9999999014,\"9999999007\",\"9999999000\",\"9999999007\"]}",
     NULL},
    {"{\"fromDateTime\":\"2025-01-01T00:00:00Z\",\"workspaceId\":\"7\"}",
     "{\"workspaceId\":\"7\",\"fromDateTime\":\"2025-01-01T01:00:00+01:00\"}", NULL},
};

START_TEST(a_filter_changed_mid_walk)
{
	const struct change *ch = &changes[_i];
	struct fixture *fx = fixture_data(30, 2);
	char body[1024], *c, msg[1024], what[512];
	struct reply rp;
	int v = EXTENSIVE;

	/* Users are not in the transcript view's filter. */
	if (strstr(ch->first, "primaryUserIds") == NULL)
		v = _i % 2 ? TRANSCRIPT : EXTENSIVE;
	snprintf(body, sizeof(body), "{\"filter\":%s}", ch->first);
	c = first_cursor(fx, (enum view)v, body);
	snprintf(body, sizeof(body), "{\"filter\":%s,\"cursor\":\"%s\"}", ch->second, c);
	post_ok(fx, (enum view)v, body, NULL, &rp);
	ck_assert_int_eq(rec(&rp, "currentPageNumber"), 1);
	if (ch->field == NULL) {
		ck_assert_str_eq(rp.log, "");
		reply_free(&rp);
		fx->ctx.strict = 1;
		post_ok(fx, (enum view)v, body, NULL, &rp);
		reply_free(&rp);
	} else {
		snprintf(what, sizeof(what),
		         "%s: differs from the request that returned the cursor; the walk goes on "
		         "with the new filter",
		         ch->field);
		assert_warned(&rp, (enum view)v, what);
		reply_free(&rp);
		fx->ctx.strict = 1;
		snprintf(msg, sizeof(msg), "%s (refused under --strict)", what);
		post_fails(fx, (enum view)v, body, NULL, 400, msg);
	}
	free(c);
	fixture_free(fx);
}
END_TEST

/* ---- Media ---- */

/* Serves a link at time now; returns the status, and the Content-Type in type. */
static unsigned
follow(struct fixture *fx, const char *link, int64_t now, char *type, size_t typelen)
{
	const char *p = strstr(link, MEDIA_PREFIX), *q;
	char path[256];
	struct request req;
	struct response r;
	unsigned st;

	ck_assert_ptr_nonnull(p);
	q = strchr(p, '?');
	ck_assert_ptr_nonnull(q);
	ck_assert_uint_lt((size_t)(q - p), sizeof(path));
	memcpy(path, p, (size_t)(q - p));
	path[q - p] = '\0';
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = path;
	req.target = p;
	req.query = q + 1;
	req.query_len = strlen(q + 1);
	response_init(&r);
	media_serve(&fx->key, &req, now, &r);
	st = r.status;
	type[0] = '\0';
	for (size_t i = 0; i < r.nheaders; i++)
		if (strcasecmp(r.headers[i].name, "Content-Type") == 0)
			snprintf(type, typelen, "%s", r.headers[i].value);
	response_free(&r);
	return st;
}

START_TEST(media_links_are_signed_per_request_and_expire)
{
	static const char body[] =
	    "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"media\":true}}}";
	struct fixture *fx = fixture_data(12, 100);
	struct opts a = {.host = "gong.test:8080", .rid = "aaaaaaaaaaaaaaaaaa"};
	struct opts b = {.host = "gong.test:8080", .rid = "bbbbbbbbbbbbbbbbbb"};
	struct opts c = {.rid = "cccccccccccccccccc"};
	struct reply ra, rb, rc;
	char type[64];
	size_t i;
	json_t *call;
	int64_t expires = fake_now + 8 * 3600;

	post_ok(fx, EXTENSIVE, body, &a, &ra);
	post_ok(fx, EXTENSIVE, body, &b, &rb);
	post_ok(fx, EXTENSIVE, body, &c, &rc);
	json_array_foreach(list_of(&ra, EXTENSIVE), i, call)
	{
		const struct extensive_call *ec = call_by_id(fx, id_of(call, EXTENSIVE));
		json_t *ma = json_object_get(call, "media");
		json_t *mb = json_object_get(json_array_get(list_of(&rb, EXTENSIVE), i), "media");
		json_t *mc = json_object_get(json_array_get(list_of(&rc, EXTENSIVE), i), "media");
		const char *audio = json_string_value(json_object_get(ma, "audioUrl"));
		const char *video = json_string_value(json_object_get(ma, "videoUrl"));
		char want[256];

		snprintf(want, sizeof(want),
		         "http://gong.test:8080/__media/%s/audio.mp3?expires=%lld&nonce="
		         "aaaaaaaaaaaaaaaaaa&signature=",
		         ec->id, (long long)expires);
		ck_assert_ptr_nonnull(audio);
		ck_assert_msg(strncmp(audio, want, strlen(want)) == 0, "%s\nwant %s...", audio,
		              want);
		/* 32 bytes of HMAC in base64url, unpadded. */
		ck_assert_uint_eq(strlen(audio), strlen(want) + 43);
		ck_assert_str_ne(audio, json_string_value(json_object_get(mb, "audioUrl")));
		snprintf(want, sizeof(want), "http://localhost/__media/%s/audio.mp3?", ec->id);
		ck_assert_int_eq(
		    strncmp(json_string_value(json_object_get(mc, "audioUrl")), want, strlen(want)),
		    0);
		if (ec->video) {
			snprintf(want, sizeof(want), "http://gong.test:8080/__media/%s/video.mp4?",
			         ec->id);
			ck_assert_ptr_nonnull(video);
			ck_assert_int_eq(strncmp(video, want, strlen(want)), 0);
			ck_assert_str_ne(video, json_string_value(json_object_get(mb, "videoUrl")));
			ck_assert_uint_eq(follow(fx, video, fake_now, type, sizeof(type)), 200);
			ck_assert_str_eq(type, "video/mp4");
		} else {
			ck_assert(json_is_null(json_object_get(ma, "videoUrl")));
			ck_assert(json_is_null(json_object_get(mb, "videoUrl")));
		}
		/* Valid for 8 hours from the answer, then refused. */
		ck_assert_uint_eq(follow(fx, audio, fake_now, type, sizeof(type)), 200);
		ck_assert_str_eq(type, "audio/mpeg");
		ck_assert_uint_eq(follow(fx, audio, expires - 1, type, sizeof(type)), 200);
		ck_assert_uint_eq(follow(fx, audio, expires, type, sizeof(type)), 403);
		ck_assert_str_eq(type, "application/xml");
		ck_assert_uint_eq(follow(fx, json_string_value(json_object_get(mb, "audioUrl")),
		                         expires + 3600, type, sizeof(type)),
		                  403);
	}
	ck_assert_uint_eq(json_array_size(list_of(&ra, EXTENSIVE)), 12);
	/* The clock of the answer sets the expiry. */
	fake_now += 100;
	reply_free(&rc);
	post_ok(fx, EXTENSIVE, body, &c, &rc);
	{
		char want[64];

		snprintf(want, sizeof(want), "expires=%lld&", (long long)(expires + 100));
		ck_assert_ptr_nonnull(
		    strstr(json_string_value(json_object_get(
		               json_object_get(json_array_get(list_of(&rc, EXTENSIVE), 0), "media"),
		               "audioUrl")),
		           want));
	}
	fake_now -= 100;
	reply_free(&ra);
	reply_free(&rb);
	reply_free(&rc);
	fixture_free(fx);
}
END_TEST

START_TEST(the_media_scope_is_needed_only_for_media)
{
	static const char scope[] =
	    "You don't have permission to use 'api:calls:read:media-url' in your app.";
	struct fixture *fx = fixture_data(12, 100);
	struct opts o = {.missing = AUTH_CALLS_MEDIA};
	struct reply rp;

	post_fails(fx, EXTENSIVE,
	           "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"media\":true}}}", &o,
	           401, scope);
	post_fails(fx, EXTENSIVE,
	           "{\"filter\":{},\"contentSelector\":{\"context\":\"Basic\",\"exposedFields\":{"
	           "\"parties\":true,\"media\":true}}}",
	           &o, 401, scope);
	post_ok(fx, EXTENSIVE,
	        "{\"filter\":{},\"contentSelector\":{\"exposedFields\":{\"media\":false,"
	        "\"parties\":true}}}",
	        &o, &rp);
	ck_assert_ptr_null(json_object_get(json_array_get(list_of(&rp, EXTENSIVE), 0), "media"));
	reply_free(&rp);
	post_ok(fx, EXTENSIVE, "{\"filter\":{}}", &o, &rp);
	reply_free(&rp);
	post_ok(fx, TRANSCRIPT, "{\"filter\":{}}", &o, &rp);
	reply_free(&rp);
	fixture_free(fx);
}
END_TEST

/* ---- Transcripts ---- */

START_TEST(calls_without_a_transcript_have_an_empty_one)
{
	static const char data[] =
	    "[{\"id\":\"1\",\"started\":\"2025-01-01T00:00:00Z\"},"
	    "{\"metaData\":{\"id\":\"2\",\"started\":\"2025-01-02T00:00:00Z\"},\"parties\":[]},"
	    "{\"metaData\":{\"id\":\"3\",\"started\":\"2025-01-03T00:00:00Z\"},\"transcript\":[]},"
	    "{\"metaData\":{\"id\":\"4\",\"started\":\"2025-01-04T00:00:00Z\"},\"transcript\":null}"
	    ","
	    "{\"metaData\":{\"id\":\"5\",\"started\":\"2025-01-05T00:00:00Z\"},\"transcript\":[{"
	    "\"speakerId\":null,\"topic\":null,\"sentences\":[{\"start\":0,\"end\":0,\"text\":"
	    "\"Hm.\"}]}]}]";
	static const char *const want[] = {"[]", "[]", "[]", "[]",
	                                   ("[{\"speakerId\":null,\"topic\":null,\"sentences\":[{"
	                                    "\"start\":0,\"end\":0,\"text\":\"Hm.\"}]}]")};
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct reply rp;
	json_t *item;
	size_t i;

	fixture_text(fx, data, 100);
	post_ok(fx, TRANSCRIPT, "{\"filter\":{}}", NULL, &rp);
	ck_assert_uint_eq(json_array_size(list_of(&rp, TRANSCRIPT)), 5);
	json_array_foreach(list_of(&rp, TRANSCRIPT), i, item)
	{
		json_t *w = json_loads(want[i], 0, NULL);
		char id[24];

		snprintf(id, sizeof(id), "%zu", i + 1);
		ck_assert_str_eq(json_string_value(json_object_get(item, "callId")), id);
		assert_equal(json_object_get(item, "transcript"), w, id);
		json_decref(w);
	}
	reply_free(&rp);
	/* And the extensive view never carries a transcript. */
	post_ok(fx, EXTENSIVE,
	        "{\"filter\":{\"callIds\":[\"5\"]},\"contentSelector\":{\"exposedFields\":{"
	        "\"parties\":true}}}",
	        NULL, &rp);
	ck_assert_ptr_null(
	    json_object_get(json_array_get(list_of(&rp, EXTENSIVE), 0), "transcript"));
	{
		json_t *none = json_array();

		assert_equal(json_object_get(json_array_get(list_of(&rp, EXTENSIVE), 0), "parties"),
		             none, "parties");
		json_decref(none);
	}
	reply_free(&rp);
	fixture_free(fx);
}
END_TEST

/* ---- GET /v2/calls/{id} ---- */

static void
get_one(struct fixture *fx, const char *id, unsigned *status, char **body)
{
	struct response r;
	size_t len;

	response_init(&r);
	strcpy(r.request_id, RID);
	calls_get(&fx->ctx, id, &r);
	*status = r.status;
	len = response_body_len(&r);
	*body = malloc(len + 1);
	response_copy_body(&r, 0, *body, len);
	(*body)[len] = '\0';
	/* Until the answer is freed the store stays pinned, no longer. */
	if (r.status == 200)
		ck_assert_uint_eq(store_slot_readers(fx->slot), 1);
	response_free(&r);
	ck_assert_uint_eq(store_slot_readers(fx->slot), 0);
}

START_TEST(get_one_call)
{
	struct fixture *fx = fixture_data(12, 100);
	unsigned st;
	char *body, want[4096];
	json_t *j, *meta;
	const struct extensive_call *c = &fx->calls[7];

	get_one(fx, c->id, &st, &body);
	ck_assert_uint_eq(st, 200);
	j = json_loads(body, 0, NULL);
	ck_assert_ptr_nonnull(j);
	meta = store_json(fx, c->id);
	ck_assert_uint_eq(json_object_size(j), 2);
	ck_assert_str_eq(json_string_value(json_object_get(j, "requestId")), RID);
	assert_equal(json_object_get(j, "call"), meta, "call");
	{
		char *m = json_dumps(meta, JSON_COMPACT | JSON_PRESERVE_ORDER);

		snprintf(want, sizeof(want), "{\"requestId\":\"%s\",\"call\":%s}", RID, m);
		free(m);
	}
	ck_assert_str_eq(body, want);
	json_decref(meta);
	json_decref(j);
	free(body);

	/* The same number written with leading zeros is the same call. */
	snprintf(want, sizeof(want), "000%.20s", c->id);
	get_one(fx, want, &st, &body);
	ck_assert_uint_eq(st, 200);
	free(body);

	get_one(fx, "42", &st, &body);
	ck_assert_uint_eq(st, 404);
	snprintf(want, sizeof(want), "{\"requestId\":\"%s\",\"errors\":[\"%s\"]}", RID, NO_CALLS);
	ck_assert_str_eq(body, want);
	free(body);

	static const char *const bad[] = {"", "abc", "12a", "-1", "123456789012345678901", "1 "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		get_one(fx, bad[i], &st, &body);
		ck_assert_msg(st == 400, "'%s': %u", bad[i], st);
		snprintf(want, sizeof(want),
		         "{\"requestId\":\"%s\",\"errors\":[\"id: must be a string of 1-20 "
		         "digits\"]}",
		         RID);
		ck_assert_str_eq(body, want);
		free(body);
	}
	fixture_free(fx);
}
END_TEST

/* ---- Cursors across operations, and what a cursor cannot carry ---- */

START_TEST(get_calls_refuses_a_post_views_cursor)
{
	/*
	 * A cursor of the extensive view holds a position in the (started, id) order and the
	 * operation it belongs to; GET /v2/calls walks the (date, id) order and must refuse it
	 * as the POST views refuse GET /v2/calls's own.
	 */
	struct fixture *fx = fixture_data(30, 10);
	char *ext = first_cursor(fx, EXTENSIVE, "{\"filter\":{}}");
	char *tx = first_cursor(fx, TRANSCRIPT, "{\"filter\":{}}");
	char query[1024], *msg;
	unsigned st;

	snprintf(query, sizeof(query), "cursor=%s", ext);
	msg = list_cursor(fx, query, &st);
	ck_assert_msg(st == 400, "GET /v2/calls took the extensive view's cursor: %u", st);
	ck_assert_str_eq(msg, "Failed to verify cursor");
	free(msg);
	snprintf(query, sizeof(query), "cursor=%s", tx);
	msg = list_cursor(fx, query, &st);
	ck_assert_msg(st == 400, "GET /v2/calls took the transcript view's cursor: %u", st);
	free(msg);
	free(ext);
	free(tx);
	fixture_free(fx);
}
END_TEST

START_TEST(a_cursor_after_another_parameter_is_still_noted)
{
	/*
	 * A paginator that writes `?limit=100&cursor=...` loops over page 0 for ever; the
	 * warning that says so must not depend on where in the query the cursor stands.
	 */
	struct fixture *fx = fixture_data(30, 10);
	char *c = first_cursor(fx, EXTENSIVE, "{\"filter\":{}}"), query[1024];
	struct opts o = {.query = query};
	struct reply rp;

	snprintf(query, sizeof(query), "limit=100&cursor=%s", c);
	post_ok(fx, EXTENSIVE, "{\"filter\":{}}", &o, &rp);
	ck_assert_int_eq(rec(&rp, "currentPageNumber"), 0);
	ck_assert_msg(strstr(rp.log, "cursor: a POST takes the cursor in its JSON body") != NULL,
	              "the cursor in the query string went unmentioned: %s", rp.log);
	reply_free(&rp);
	free(c);
	fixture_free(fx);
}
END_TEST

START_TEST(a_date_no_cursor_can_carry_is_refused)
{
	/*
	 * Year 0000 at +01:00 is an instant before the year 0000 UTC, which a cursor cannot
	 * carry: it is refused as a bad date, never answered with "Internal server error".
	 */
	static const struct {
		const char *body, *message;
	} cases[] = {
	    {"{\"filter\":{\"fromDateTime\":\"0000-01-01T00:00:00+01:00\"}}",
	     "filter.fromDateTime: must be a valid ISO-8601 date-time"},
	    {"{\"filter\":{\"toDateTime\":\"9999-12-31T23:59:59-01:00\"}}",
	     "filter.toDateTime: must be a valid ISO-8601 date-time"},
	};
	struct fixture *fx = fixture_data(30, 10);
	unsigned st;
	char *text;

	for (int v = EXTENSIVE; v <= TRANSCRIPT; v++)
		for (size_t i = 0; i < 2; i++)
			post_fails(fx, (enum view)v, cases[i].body, NULL, 400, cases[i].message);
	/* The ends of the range a cursor carries are taken. */
	for (int v = EXTENSIVE; v <= TRANSCRIPT; v++) {
		struct reply rp;

		post_ok(fx, (enum view)v,
		        "{\"filter\":{\"fromDateTime\":\"0000-01-01T00:00:00Z\",\"toDateTime\":"
		        "\"9999-12-31T23:59:59.999999Z\"}}",
		        NULL, &rp);
		ck_assert_int_eq(rec(&rp, "totalRecords"), 30);
		ck_assert_ptr_nonnull(cursor_of(&rp));
		reply_free(&rp);
	}
	/* GET /v2/calls does the same. */
	text = list_cursor(fx, "fromDateTime=0000-01-01T00:00:00%2B01:00", &st);
	ck_assert_uint_eq(st, 400);
	ck_assert_str_eq(text, "fromDateTime: must be a valid ISO-8601 date-time");
	free(text);
	fixture_free(fx);
}
END_TEST

static Suite *
callpost_suite(void)
{
	Suite *s = suite_create("callpost");
	TCase *tc = tcase_create("blocks");

	tcase_add_loop_test(tc, each_selection_gives_exactly_the_asked_keys, 0,
	                    (int)(sizeof(selections) / sizeof(selections[0])));
	tcase_add_test(tc, the_context_parts_differ_as_the_data_does);
	tcase_add_test(tc, calls_without_a_transcript_have_an_empty_one);
	suite_add_tcase(s, tc);

	tc = tcase_create("walks");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, a_walk_by_the_body_cursor_serves_every_call_once, EXTENSIVE,
	                    TRANSCRIPT + 1);
	tcase_add_test(tc, a_walk_with_every_block);
	tcase_add_loop_test(tc, walks_with_filters, EXTENSIVE, TRANSCRIPT + 1);
	tcase_add_test(tc, dates_apply_to_the_start_not_the_schedule);
	tcase_add_test(tc, a_reload_between_pages_neither_skips_nor_repeats);
	tcase_add_test(tc, unknown_ids_are_not_returned_and_nothing_is_404);
	suite_add_tcase(s, tc);

	tc = tcase_create("cursors");
	tcase_add_test(tc, cursors_of_other_operations_are_refused);
	tcase_add_test(tc, an_expired_cursor);
	tcase_add_test(tc, a_cursor_in_the_query_string);
	tcase_add_loop_test(tc, unknown_keys_and_parameters_warn_or_refuse, 0,
	                    (int)(sizeof(mistakes) / sizeof(mistakes[0])));
	tcase_add_loop_test(tc, a_filter_changed_mid_walk, 0,
	                    (int)(sizeof(changes) / sizeof(changes[0])));
	tcase_add_test(tc, get_calls_refuses_a_post_views_cursor);
	tcase_add_test(tc, a_cursor_after_another_parameter_is_still_noted);
	tcase_add_test(tc, a_date_no_cursor_can_carry_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("media");
	tcase_add_test(tc, media_links_are_signed_per_request_and_expire);
	tcase_add_test(tc, the_media_scope_is_needed_only_for_media);
	suite_add_tcase(s, tc);

	tc = tcase_create("get");
	tcase_add_test(tc, get_one_call);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return harness_run(callpost_suite());
}
