/*
 * admin.c - the control API.
 *
 * Its answers are small and rare next to the calls, so they are built with jansson for
 * clarity rather than by hand. Errors keep Gong's body shape, so one client-side parser
 * reads both APIs. A malformed rule is refused whole: fault_set_add_json adds all or nothing.
 */
#include "admin.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "isotime.h"
#include "log.h"
#include "probe.h"
#include "query.h"

#ifndef GONGMOCK_VERSION
#define GONGMOCK_VERSION "0.1.0"
#endif

#define ADMIN_MAX_IDS FAULT_MAX_RULES

int
admin_owns(const char *path)
{
	size_t plen = strlen(ADMIN_PREFIX);

	return strcmp(path, ADMIN_METRICS) == 0 || (strncmp(path, ADMIN_PREFIX, plen) == 0 &&
	                                            (path[plen] == '/' || path[plen] == '\0'));
}

/* Sends text (taking it) with a status and content type. */
static void
admin_send_text(struct response *r, unsigned status, char *text, const char *type)
{
	if (text == NULL) {
		error_respond(r, ERROR_INTERNAL, NULL);
		return;
	}
	r->status = status;
	r->source = "admin";
	if (response_header_add(r, "Content-Type", type) != 0 ||
	    response_piece_own(r, text, strlen(text)) != 0) {
		r->status = 0;
		error_respond(r, ERROR_INTERNAL, NULL);
	}
}

/* Sends a jansson object (taking it) as the JSON body. */
static void
admin_send(struct response *r, unsigned status, json_t *obj)
{
	char *text = obj != NULL ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(obj);
	admin_send_text(r, status, text, RESPONSE_JSON_TYPE);
}

static json_t *
admin_date(int64_t us, size_t count)
{
	char buf[ISOTIME_TEXT_MAX + 1];

	if (count == 0 || isotime_format(us, buf, sizeof(buf)) == 0)
		return json_null();
	return json_string(buf);
}

/* What the recorder has done: a failed recording shows here, not only in the log. */
static json_t *
admin_recording(struct recorder *rec)
{
	struct recorder_stats st;
	json_t *o = json_object();

	recorder_stats(rec, &st);
	json_object_set_new(o, "path", json_string(st.path != NULL ? st.path : ""));
	json_object_set_new(o, "recorded", json_integer((json_int_t)st.recorded));
	json_object_set_new(o, "failed", json_integer((json_int_t)st.failed));
	json_object_set_new(o, "stopped", json_boolean(st.stopped));
	json_object_set_new(o, "lastError",
	                    st.last_error[0] != '\0' ? json_string(st.last_error) : json_null());
	return o;
}

/* A file and how many things of its kind it holds: {"path":P,KEY:N}. */
static json_t *
admin_file(const char *path, const char *key, size_t n)
{
	json_t *o = json_object();

	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, key, json_integer((json_int_t)n));
	return o;
}

/*
 * The dataset is loaded in every mode, but proxy and replay modes do not answer from it:
 * there its counts would describe data no request sees, so they are null.
 */
static void
admin_health(const struct admin_ctx *ctx, struct response *r)
{
	const char *mode = ctx->mode != NULL ? ctx->mode : "mock";
	int mock = ctx->dataset;
	unsigned ticket;
	const struct store *s = store_slot_acquire(ctx->slot, &ticket);
	size_t calls = store_count(s), workspaces = store_workspace_count(s);
	int64_t first, last;
	json_t *o;

	store_date_span(s, &first, &last);
	store_slot_release(ctx->slot, ticket);
	o = json_object();
	if (o == NULL) {
		error_respond(r, ERROR_INTERNAL, NULL);
		return;
	}
	json_object_set_new(o, "status", json_string("ok"));
	json_object_set_new(o, "mode", json_string(mode));
	if (ctx->cassette != NULL)
		json_object_set_new(o, "exchanges",
		                    json_integer((json_int_t)cassette_count(ctx->cassette)));
	json_object_set_new(o, "calls", mock ? json_integer((json_int_t)calls) : json_null());
	json_object_set_new(o, "workspaces",
	                    mock ? json_integer((json_int_t)workspaces) : json_null());
	json_object_set_new(o, "firstCall", mock ? admin_date(first, calls) : json_null());
	json_object_set_new(o, "lastCall", mock ? admin_date(last, calls) : json_null());
	json_object_set_new(o, "uptimeSeconds",
	                    json_integer((json_int_t)((log_now_us() - ctx->started_us) / 1000000)));
	json_object_set_new(o, "version", json_string(GONGMOCK_VERSION));
	if (mock)
		json_object_set_new(
		    o, "fixtures", json_string(ctx->fixtures != NULL ? ctx->fixtures : "built-in"));
	if (ctx->upstream != NULL)
		json_object_set_new(o, "upstream", json_string(ctx->upstream));
	if (ctx->recorder != NULL)
		json_object_set_new(o, "recording", admin_recording(ctx->recorder));
	if (ctx->cassette != NULL)
		json_object_set_new(o, "cassette",
		                    admin_file(ctx->cassette_path != NULL ? ctx->cassette_path : "",
		                               "exchanges", cassette_count(ctx->cassette)));
	if (ctx->scenario != NULL)
		json_object_set_new(o, "scenario",
		                    admin_file(ctx->scenario, "rules", ctx->scenario_rules));
	admin_send(r, 200, o);
}

static void
admin_not_allowed(struct response *r, const char *allow)
{
	(void)response_header_add(r, "Allow", allow);
	error_respond(r, ERROR_METHOD, NULL);
}

/* Constant-time comparison, so the token cannot be guessed byte by byte from timings. */
static int
admin_token_ok(const char *want, const char *got)
{
	size_t wl = strlen(want), gl = strlen(got), i;
	unsigned char diff = (unsigned char)(wl != gl);

	for (i = 0; i < wl; i++)
		diff |= (unsigned char)want[i] ^ (unsigned char)(i < gl ? got[i] : 0);
	return diff == 0;
}

/*
 * Why a client is refused, with what lets it in. The token itself never appears: the answer
 * goes to a client that does not know it.
 */
#define ADMIN_NOT_LOOPBACK                                                                         \
	"The control API answers loopback clients only; to let other clients in, start gongmock "  \
	"with --admin-token TOKEN (or GONGMOCK_ADMIN_TOKEN=TOKEN) and send "                       \
	"'Authorization: Bearer TOKEN'"
#define ADMIN_NEEDS_TOKEN                                                                          \
	"The control API needs the admin token given to --admin-token (or "                        \
	"GONGMOCK_ADMIN_TOKEN): send it as 'Authorization: Bearer <token>'"

static int
admin_allowed(const struct admin_ctx *ctx, const struct request *req)
{
	const char *auth;

	if (ctx->token == NULL)
		return req->remote_loopback;
	auth = request_header(req, "Authorization");
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
		return 0;
	auth += 7;
	while (*auth == ' ')
		auth++;
	return admin_token_ok(ctx->token, auth);
}

static void
admin_faults_post(const struct admin_ctx *ctx, const struct request *req, struct response *r)
{
	unsigned ids[ADMIN_MAX_IDS];
	size_t nids = 0, i;
	char err[512];
	json_t *o, *arr;

	if (req->body == NULL || req->body_len == 0) {
		error_respond(r, ERROR_BAD_REQUEST,
		              "body: a rule or {\"rules\":[...]} is required");
		return;
	}
	if (fault_set_add_json(ctx->faults, req->body, req->body_len, ids, ADMIN_MAX_IDS, &nids,
	                       err, sizeof(err)) != 0) {
		error_respond(r, ERROR_BAD_REQUEST, err);
		return;
	}
	o = json_object();
	arr = json_array();
	for (i = 0; i < nids && arr != NULL; i++)
		json_array_append_new(arr, json_integer(ids[i]));
	json_object_set_new(o, "ids", arr);
	admin_send(r, 201, o);
}

/* Reads a rule id from the path's last segment: digits only. */
static int
admin_rule_id(const char *s, unsigned *id)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > 100000000UL)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*id = (unsigned)v;
	return 0;
}

/*
 * The answer to a DELETE: {"ids":[…],"names":[…]}, the rules of list (as
 * fault_set_list_json gives them), in their order: all of them when want is 0, else rule
 * `want` only. NULL without memory.
 */
static json_t *
admin_removed(json_t *list, unsigned want)
{
	json_t *ids = json_array(), *names = json_array(), *rule;
	size_t i;

	json_array_foreach(json_object_get(list, "rules"), i, rule)
	{
		json_int_t id = json_integer_value(json_object_get(rule, "id"));

		if (want != 0 && id != (json_int_t)want)
			continue;
		json_array_append_new(ids, json_integer(id));
		json_array_append(names, json_object_get(rule, "name"));
	}
	if (ids == NULL || names == NULL) {
		json_decref(ids);
		json_decref(names);
		return NULL;
	}
	return json_pack("{s:o,s:o}", "ids", ids, "names", names);
}

/*
 * DELETE /__admin/faults and /__admin/faults/ID. The rules are listed first, for the answer,
 * then removed: the set offers no way to do both under its lock. When every rule goes, a rule
 * another client adds between the two steps is removed too but missing from the answer; the
 * clear itself stays one step, so requests never see half the rules gone. A single rule's
 * answer cannot go wrong that way: an id names one rule for the life of the set.
 */
static void
admin_faults_delete(const struct admin_ctx *ctx, unsigned id, struct response *r)
{
	char *text = fault_set_list_json(ctx->faults);
	json_t *list = text != NULL ? json_loads(text, 0, NULL) : NULL;
	json_t *o = list != NULL ? admin_removed(list, id) : NULL;

	free(text);
	json_decref(list);
	if (o == NULL) {
		error_respond(r, ERROR_INTERNAL, NULL);
		return;
	}
	if (id == 0) {
		fault_set_clear(ctx->faults);
	} else if (fault_set_remove(ctx->faults, id) != 0) {
		json_decref(o);
		error_respond(r, ERROR_NOT_FOUND, "rule: no rule with that id");
		return;
	}
	admin_send(r, 200, o);
}

static void
admin_faults(const struct admin_ctx *ctx, const struct request *req, const char *rest,
             struct response *r)
{
	unsigned id;

	if (*rest == '\0') {
		if (strcmp(req->method, "GET") == 0) {
			admin_send_text(r, 200, fault_set_list_json(ctx->faults),
			                RESPONSE_JSON_TYPE);
		} else if (strcmp(req->method, "POST") == 0) {
			admin_faults_post(ctx, req, r);
		} else if (strcmp(req->method, "DELETE") == 0) {
			admin_faults_delete(ctx, 0, r);
		} else {
			admin_not_allowed(r, "GET, POST, DELETE");
		}
		return;
	}
	if (rest[0] != '/' || admin_rule_id(rest + 1, &id) != 0) {
		error_respond(r, ERROR_NOT_FOUND, NULL);
		return;
	}
	if (strcmp(req->method, "DELETE") != 0) {
		admin_not_allowed(r, "DELETE");
		return;
	}
	if (id == 0) {
		/* Ids start at 1: 0 is no rule, and stands for "all" below. */
		error_respond(r, ERROR_NOT_FOUND, "rule: no rule with that id");
		return;
	}
	admin_faults_delete(ctx, id, r);
}

static void
admin_reset(const struct admin_ctx *ctx, struct response *r)
{
	fault_set_reset(ctx->faults);
	if (ctx->limiter != NULL)
		ratelimit_reset(ctx->limiter);
	journal_reset(ctx->journal);
	if (ctx->on_reset != NULL)
		ctx->on_reset(ctx->on_reset_cls);
	admin_send(r, 200, json_pack("{s:s}", "status", "reset"));
}

static void
admin_requests(const struct admin_ctx *ctx, const struct request *req, struct response *r)
{
	struct query q;
	const struct query_param *p;
	unsigned long limit = 0;
	size_t i;

	if (query_parse(&q, req->query, req->query_len) != 0) {
		error_respond(r, ERROR_BAD_REQUEST, "query: too long or too many parameters");
		return;
	}
	p = query_get(&q, "limit");
	if (p != NULL && p->value_len > 0) {
		for (i = 0; i < p->value_len; i++) {
			if (p->value[i] < '0' || p->value[i] > '9' || limit > 100000000UL) {
				error_respond(r, ERROR_BAD_REQUEST,
				              "limit: must be a non-negative whole number");
				return;
			}
			limit = limit * 10 + (unsigned long)(p->value[i] - '0');
		}
	}
	admin_send_text(r, 200, journal_list_json(ctx->journal, (size_t)limit), RESPONSE_JSON_TYPE);
}

static void
admin_metrics(const struct admin_ctx *ctx, struct response *r)
{
	char *a = journal_metrics(ctx->journal);
	char *b = fault_set_metrics(ctx->faults);
	char *all = NULL;
	char rec[512] = "";

	static const char help[] =
	    "# HELP gongmock_faults_fired_total Answers given by each fault rule.\n"
	    "# TYPE gongmock_faults_fired_total counter\n";

	/* Both printed at 0 too, as the other unlabelled counters: a missing series reads as
	 * "no data", and an alert on failures must see the series before the first one. */
	if (ctx->recorder != NULL) {
		struct recorder_stats st;

		recorder_stats(ctx->recorder, &st);
		snprintf(rec, sizeof(rec),
		         "# HELP gongmock_recorded_exchanges_total Exchanges written to the "
		         "cassette.\n"
		         "# TYPE gongmock_recorded_exchanges_total counter\n"
		         "gongmock_recorded_exchanges_total %" PRIu64 "\n"
		         "# HELP gongmock_record_failures_total Exchanges that could not be "
		         "recorded: the one whose write failed, and every one after it.\n"
		         "# TYPE gongmock_record_failures_total counter\n"
		         "gongmock_record_failures_total %" PRIu64 "\n",
		         st.recorded, st.failed);
	}
	if (a != NULL && b != NULL) {
		size_t la = strlen(a), lb = strlen(b), lh = lb > 0 ? sizeof(help) - 1 : 0;
		size_t lr = strlen(rec);

		all = malloc(la + lh + lb + lr + 1);
		if (all != NULL) {
			memcpy(all, a, la);
			memcpy(all + la, help, lh);
			memcpy(all + la + lh, b, lb);
			memcpy(all + la + lh + lb, rec, lr + 1);
		}
	}
	free(a);
	free(b);
	admin_send_text(r, 200, all, "text/plain; version=0.0.4; charset=utf-8");
}

void
admin_handle(const struct admin_ctx *ctx, const struct request *req, struct response *r)
{
	const char *sub;
	int get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;

	if (strcmp(req->path, ADMIN_PREFIX "/health") == 0) {
		const char *ua = request_header(req, "User-Agent");

		if (!get)
			error_respond(r, ERROR_METHOD, NULL);
		else
			admin_health(ctx, r);
		/* A container probes every few seconds for its whole life: keep that out of the
		 * access log. */
		r->unlogged =
		    ua != NULL && strncmp(ua, PROBE_USER_AGENT, strlen(PROBE_USER_AGENT)) == 0;
		return;
	}
	if (!admin_allowed(ctx, req)) {
		error_respond(r, ERROR_FORBIDDEN,
		              ctx->token != NULL ? ADMIN_NEEDS_TOKEN : ADMIN_NOT_LOOPBACK);
		return;
	}
	if (strcmp(req->path, ADMIN_METRICS) == 0) {
		if (!get)
			error_respond(r, ERROR_METHOD, NULL);
		else
			admin_metrics(ctx, r);
		return;
	}
	sub = req->path + strlen(ADMIN_PREFIX);
	if (strncmp(sub, "/faults", 7) == 0 && (sub[7] == '\0' || sub[7] == '/')) {
		admin_faults(ctx, req, sub + 7, r);
	} else if (strcmp(sub, "/reset") == 0) {
		if (strcmp(req->method, "POST") != 0)
			admin_not_allowed(r, "POST");
		else
			admin_reset(ctx, r);
	} else if (strcmp(sub, "/requests") == 0) {
		if (!get)
			error_respond(r, ERROR_METHOD, NULL);
		else
			admin_requests(ctx, req, r);
	} else {
		error_respond(r, ERROR_NOT_FOUND, NULL);
	}
}
