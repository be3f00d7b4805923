/*
 * router.c - dispatching requests.
 *
 * Each operation of the table below answers its one method (GET ones HEAD too, which
 * libmicrohttpd sends without a body) after Gong's credential check with the operation's
 * scopes; any other method gets 405 with Allow naming the right one, because POST /v2/calls
 * is Gong's upload operation and must never be mistaken for a list. A POST's body must be
 * JSON (415 otherwise). Paths are compared after request_normalise, so `//v2/calls` and the
 * absolute form reach the same handler. Media links are signed, not authenticated.
 *
 * Faults come after authentication, as on the real service (a bad key is a 401 whatever the
 * weather), and before the rate limiter, so a rule's answer never costs the client a token.
 */
#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>

#include "callpost.h"
#include "cursor.h"
#include "error.h"
#include "log.h"
#include "media.h"
#include "query.h"
#include "prefer.h"
#include "reqctx.h"
#include "users.h"

/* The page a list request asks for: 0 without a cursor, the cursor's page, -1 if unreadable. */
static long
router_page(const struct router *rt, struct reqctx *x)
{
	const struct cursor *c;

	switch (reqctx_cursor(x, rt->calls.key, calls_now(&rt->calls), &c)) {
	case REQCTX_CURSOR_NONE:
		return 0;
	case REQCTX_CURSOR_INVALID:
		return -1;
	default:
		return (long)c->page_number;
	}
}

/* Answers a status chosen by a rule or by Prefer, with Gong's body. */
static void
router_fault_status(struct response *r, unsigned status, unsigned retry_after,
                    const struct fault_action *a)
{
	const char *msgs[FAULT_MAX_ERRORS] = {NULL};
	size_t i, n = 0;

	if (a != NULL && a->body != NULL) {
		/* A stub: the rule's own JSON, sent from the rule's memory. The answer takes over
		 * the action's reference to it, dropped once the answer is freed. */
		r->status = status;
		(void)response_header_add(r, "Content-Type", RESPONSE_JSON_TYPE);
		(void)response_piece_add(r, a->body, a->body_len);
		r->release = fault_body_release;
		r->release_cls = a->body_ref;
	} else {
		if (a != NULL)
			for (n = 0; n < a->nerrors && n < FAULT_MAX_ERRORS; n++)
				msgs[n] = a->errors[n];
		error_respond_status(r, status, msgs, n);
	}
	/* A 429 always says when to come back; another status only when the rule asks. */
	if (status == 429 || retry_after > 0) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%u", retry_after);
		(void)response_header_add(r, "Retry-After", ra);
	}
	/* A rule's own headers win over the ones the answer would have had. */
	if (a != NULL)
		for (i = 0; i < a->nheaders; i++)
			(void)response_header_set(r, a->header_names[i], a->header_values[i]);
}

/* Applies a rule's delay and connection fault to whatever answer r holds. */
static void
router_fault_shape(struct response *r, const struct fault_action *a)
{
	static const enum response_fault kinds[] = {
	    [FAULT_NONE] = RESPONSE_FAULT_NONE,   [FAULT_RESET] = RESPONSE_FAULT_RESET,
	    [FAULT_EMPTY] = RESPONSE_FAULT_EMPTY, [FAULT_TRUNCATE] = RESPONSE_FAULT_TRUNCATE,
	    [FAULT_SLOW] = RESPONSE_FAULT_SLOW,
	};

	r->fault = kinds[a->kind];
	if (a->kind == FAULT_SLOW)
		r->slow_ms = a->delay_ms;
	else
		r->delay_ms = a->delay_ms;
	if (a->kind == FAULT_RESET)
		r->log_extra = "fault=reset";
	else if (a->kind == FAULT_EMPTY)
		r->log_extra = "fault=empty";
	else if (a->kind == FAULT_TRUNCATE)
		r->log_extra = "fault=truncate";
	else if (a->kind == FAULT_SLOW)
		r->log_extra = "fault=slow";
}

/*
 * Gives Prefer, the fault rules and the limiter their say, in that order. Returns 1 when r is
 * answered. *fired says a rule fired: its delay and fault then shape whatever answer r gets,
 * its own status or (when it has none) the normal one.
 */
static int
router_gate(struct router *rt, struct reqctx *x, struct response *r, struct fault_action *action,
            int *fired)
{
	const struct request *req = x->req;
	const struct auth_identity *who = &x->who;
	const char *prefer = request_header(req, "Prefer");
	unsigned code = 0, wait;
	char why[512];

	*fired = 0;
	if (prefer != NULL && prefer_parse(prefer, &code, why, sizeof(why)) < 0) {
		r->source = "fault:prefer";
		error_respond(r, ERROR_BAD_REQUEST, why);
		return 1;
	}
	if (code != 0 && code != 200) {
		r->source = "fault:prefer";
		router_fault_status(r, code, code == 429 ? 1 : 0, NULL);
		return 1;
	}
	if (fault_set_count(rt->faults) > 0) {
		struct fault_request fr;

		memset(&fr, 0, sizeof(fr));
		fr.method = req->method;
		fr.path = req->path;
		fr.page = -1;
		if ((fr.query = reqctx_query(x)) != NULL)
			fr.page = router_page(rt, x);
		fr.credential = who->kind != 0 ? who->id : NULL;
		fr.body = req->body;
		fr.body_len = req->body_len;
		if (fault_match(rt->faults, &fr, action)) {
			*fired = 1;
			if (fault_action_answers(action)) {
				router_fault_status(r, action->status, action->retry_after, action);
				return 1;
			}
			/* No status: the normal answer, delayed or broken. */
			return 0;
		}
	}
	if (rt->limiter != NULL) {
		wait = ratelimit_take(rt->limiter, rt->limit_per_credential ? who->id : NULL);
		if (wait > 0) {
			char ra[16];

			r->source = "ratelimit";
			error_respond(r, ERROR_RATE_LIMIT, NULL);
			snprintf(ra, sizeof(ra), "%u", wait);
			(void)response_header_add(r, "Retry-After", ra);
			return 1;
		}
	}
	return 0;
}

/* Names the rule in the answer's source, for the log and the journal. */
static void
router_fault_source(struct response *r, const struct fault_action *a)
{
	snprintf(r->source_text, sizeof(r->source_text), "fault:%s", a->name);
	r->source = r->source_text;
}

/*
 * A request on its way to the upstream: what its answer needs once the upstream has spoken.
 * The request itself stays valid until the answer is resumed.
 */
struct router_forward {
	struct router *rt;
	const struct request *req;
	struct reqctx *x; /* the request's, kept for the recorder */
	const char *authorization;
	const char *content_type;
	struct response *r;
	struct fault_action *action; /* the rule that fired, whose delay and fault shape the
	                              * answer; NULL when none did */
	response_resume_fn *resume;
	void *resume_cls;
	struct proxy_result pr;
	char path[2048];
};

/* Turns the upstream's answer, or its failure, into f->r, and records the exchange when asked. */
static void
router_upstream_answer(const struct router_forward *f, struct proxy_result *pr)
{
	struct router *rt = f->rt;
	const struct request *req = f->req;
	struct response *r = f->r;

	if (pr->error != PROXY_OK) {
		const char *msg = pr->error_text;
		unsigned code = pr->error == PROXY_TIMEOUT   ? 504
		                : pr->error == PROXY_STOPPED ? 503
		                                             : 502;

		r->source = "upstream:error";
		error_respond_status(r, code, &msg, 1);
		snprintf(r->extra_text, sizeof(r->extra_text), "upstream_error=\"%.200s\"",
		         pr->error_text);
		r->log_extra = r->extra_text;
		return;
	}
	if (rt->recorder != NULL) {
		struct exchange e;
		char err[512];

		memset(&e, 0, sizeof(e));
		e.time_us = req->start_us;
		e.method = req->method;
		e.path = req->path;
		e.query = reqctx_query(f->x);
		e.request_body = req->body;
		e.request_body_len = req->body_len;
		e.authorization = f->authorization;
		e.status = pr->status;
		e.content_type = pr->content_type;
		e.retry_after = pr->retry_after;
		e.traceid = pr->traceid;
		e.www_authenticate = pr->www_authenticate;
		e.allow = pr->allow;
		e.body = pr->body;
		e.body_len = pr->body_len;
		e.latency_us = pr->latency_us;
		/*
		 * The client gets the upstream's answer whatever happens to the recording. A
		 * failure stops the recording and is reported once, here; health and the metrics
		 * keep counting the exchanges that go unrecorded.
		 */
		if (recorder_write(rt->recorder, &e, err, sizeof(err)) == RECORDER_FAILED)
			log_msg("error", "record: %s", err);
	}
	/* The client sees the upstream's answer as it came: status, body, and the headers it
	 * relies on; no x-traceid of ours. */
	r->status = pr->status;
	r->source = "upstream";
	r->request_id[0] = '\0';
	if (pr->content_type[0] != '\0')
		(void)response_header_add(r, "Content-Type", pr->content_type);
	if (pr->retry_after[0] != '\0')
		(void)response_header_add(r, "Retry-After", pr->retry_after);
	if (pr->traceid[0] != '\0')
		(void)response_header_add(r, "x-traceid", pr->traceid);
	if (pr->www_authenticate[0] != '\0')
		(void)response_header_add(r, "WWW-Authenticate", pr->www_authenticate);
	if (pr->allow[0] != '\0')
		(void)response_header_add(r, "Allow", pr->allow);
	snprintf(r->extra_text, sizeof(r->extra_text),
	         "upstream_id=%s upstream_status=%u upstream_us=%lld",
	         pr->request_id[0] != '\0' ? pr->request_id : "-", pr->status,
	         (long long)pr->latency_us);
	r->log_extra = r->extra_text;
	if (pr->body_len > 0) {
		(void)response_piece_own(r, pr->body, pr->body_len);
		pr->body = NULL;
	}
}

/* The proxy's done function (on the loop that ran the exchange), or called at once when
 * nothing started. */
static void
router_upstream_done(struct proxy_result *pr, void *cls)
{
	struct router_forward *f = cls;
	struct response *r = f->r;
	response_resume_fn *resume = f->resume;
	void *resume_cls = f->resume_cls;

	router_upstream_answer(f, pr);
	proxy_result_free(pr);
	if (f->action != NULL) {
		router_fault_shape(r, f->action);
		router_fault_source(r, f->action);
	}
	free(f->action);
	free(f->x);
	free(f);
	resume(r, resume_cls);
}

/* The defer function of a forwarded request: hands it to the proxy. */
static void
router_upstream_start(struct response *r, void *cls, response_resume_fn *resume, void *resume_cls)
{
	struct router_forward *f = cls;
	struct proxy_call c;

	(void)r;
	f->resume = resume;
	f->resume_cls = resume_cls;
	memset(&c, 0, sizeof(c));
	c.method = f->req->method;
	c.path = f->path;
	c.query = f->req->query;
	c.query_len = f->req->query_len;
	c.authorization = f->authorization;
	c.content_type = f->content_type;
	c.body = f->req->body;
	c.body_len = f->req->body_len;
	if (proxy_submit(f->rt->proxy, &c, &f->pr, router_upstream_done, f) != 0)
		router_upstream_done(&f->pr, f);
}

/*
 * Forwards to the upstream: defers r, which is answered once the upstream has, and shaped
 * then by the rule that fired (action, NULL when none did). x, made with malloc, is the
 * forward's from here on.
 */
static void
router_upstream(struct router *rt, struct reqctx *x, struct response *r,
                const struct fault_action *action)
{
	const struct request *req = x->req;
	struct router_forward *f = malloc(sizeof(*f));
	const char *raw;
	size_t len = request_raw_path(req->target, &raw);

	if (f != NULL) {
		f->action = NULL;
		if (action != NULL && (f->action = malloc(sizeof(*f->action))) != NULL)
			memcpy(f->action, action, sizeof(*action));
	}
	if (f == NULL || (action != NULL && f->action == NULL)) {
		free(f);
		free(x);
		error_respond(r, ERROR_INTERNAL, NULL);
		if (action != NULL) {
			router_fault_shape(r, action);
			router_fault_source(r, action);
		}
		return;
	}
	f->rt = rt;
	f->req = req;
	f->x = x;
	f->r = r;
	/* Header values live as long as the request; they are read here, on the request's own
	 * thread. */
	f->authorization = request_header(req, "Authorization");
	f->content_type = request_header(req, "Content-Type");
	f->resume = NULL;
	f->resume_cls = NULL;
	/* The path goes up as the client wrote it (`//v2/calls` included): the upstream sees
	 * what it would have seen without the proxy. */
	if (len == 0 || len >= sizeof(f->path)) {
		snprintf(f->path, sizeof(f->path), "%s", req->path);
	} else {
		memcpy(f->path, raw, len);
		f->path[len] = '\0';
	}
	r->defer = router_upstream_start;
	r->defer_cls = f;
}

/* Answers from the cassette, or fails loudly with what was asked and what is closest. */
static void
router_replay(struct router *rt, struct reqctx *x, struct response *r)
{
	const struct request *req = x->req;
	const struct query *q = reqctx_query(x);
	struct cassette_answer a;
	char miss[1024];
	const char *msg = miss;

	if (q == NULL) {
		error_respond(r, ERROR_BAD_REQUEST, "query: too long or too many parameters");
		return;
	}
	/* The first request with a credential waits for its fingerprint (a slow derivation);
	 * later ones find it cached. */
	struct replay_ask ask;

	memset(&ask, 0, sizeof(ask));
	ask.method = req->method;
	ask.path = req->path;
	ask.query = q;
	ask.body = req->body;
	ask.body_len = req->body_len;
	ask.match_credential = rt->match_credential;
	ask.authorization = request_header(req, "Authorization");
	if (!replay_answer(rt->replay, &ask, &a, miss, sizeof(miss))) {
		r->source = "replay:miss";
		error_respond_status(r, rt->miss_status, &msg, 1);
		snprintf(r->extra_text, sizeof(r->extra_text), "miss=\"%.280s\"", miss);
		r->log_extra = r->extra_text;
		return;
	}
	r->status = a.status;
	r->source = "replay";
	r->request_id[0] = '\0';
	if (a.content_type[0] != '\0')
		(void)response_header_add(r, "Content-Type", a.content_type);
	if (a.retry_after[0] != '\0')
		(void)response_header_add(r, "Retry-After", a.retry_after);
	if (a.traceid[0] != '\0')
		(void)response_header_add(r, "x-traceid", a.traceid);
	if (a.www_authenticate[0] != '\0')
		(void)response_header_add(r, "WWW-Authenticate", a.www_authenticate);
	if (a.allow[0] != '\0')
		(void)response_header_add(r, "Allow", a.allow);
	snprintf(r->extra_text, sizeof(r->extra_text), "cassette_line=%zu", a.line);
	r->log_extra = r->extra_text;
	(void)response_piece_add(r, a.body, a.body_len);
}

static int
router_is_api(const char *path)
{
	return strcmp(path, "/v2") == 0 || strncmp(path, "/v2/", 4) == 0;
}

/* Proxy and replay modes: every request under /v2/ goes upstream or to the cassette, behind
 * Prefer, the rules and the limiter but with no credential check of ours. */
static void
router_elsewhere(struct router *rt, const struct request *req, struct response *r)
{
	/* A forwarded request keeps its context until the upstream answers; a replayed one is
	 * answered at once. */
	struct reqctx *x = malloc(sizeof(*x));
	struct fault_action action;
	int fired;

	if (x == NULL) {
		error_respond(r, ERROR_INTERNAL, NULL);
		return;
	}
	reqctx_init(x, req);
	(void)auth_check(NULL, request_header(req, "Authorization"), &x->who);
	if (!router_gate(rt, x, r, &action, &fired)) {
		if (rt->proxy != NULL) {
			/* Shaped by the rule once the upstream has answered. */
			router_upstream(rt, x, r, fired ? &action : NULL);
			return;
		}
		router_replay(rt, x, r);
	}
	free(x);
	if (fired) {
		router_fault_shape(r, &action);
		router_fault_source(r, &action);
	}
}

static void
route_list(struct router *rt, struct reqctx *x, struct response *r)
{
	calls_list(&rt->calls, x, r);
}

static void
route_get(struct router *rt, struct reqctx *x, struct response *r)
{
	calls_get(&rt->calls, strrchr(x->req->path, '/') + 1, r);
}

static void
route_extensive(struct router *rt, struct reqctx *x, struct response *r)
{
	callpost_extensive(&rt->calls, x, r);
}

static void
route_transcript(struct router *rt, struct reqctx *x, struct response *r)
{
	callpost_transcript(&rt->calls, x, r);
}

static void
route_users(struct router *rt, struct reqctx *x, struct response *r)
{
	users_list(&rt->calls, x, r);
}

static void
route_user(struct router *rt, struct reqctx *x, struct response *r)
{
	users_get(&rt->calls, strrchr(x->req->path, '/') + 1, r);
}

static void
route_users_extensive(struct router *rt, struct reqctx *x, struct response *r)
{
	users_extensive(&rt->calls, x, r);
}

static void
route_workspaces(struct router *rt, struct reqctx *x, struct response *r)
{
	(void)x;
	users_workspaces(&rt->calls, r);
}

/* The operations of Gong's API that mock mode answers. */
struct route {
	const char *path; /* a path, or a prefix ending in '/' for a path with an id after it */
	const char *method;
	unsigned scopes;   /* needed */
	unsigned optional; /* used only when the request asks: checked by the handler */
	int forbidden;     /* a token without the scope gets 403, as Gong's spec lists for the
	                    * company's list operations, rather than 401 */
	void (*handle)(struct router *rt, struct reqctx *x, struct response *r);
};

static const struct route routes[] = {
    {"/v2/calls", "GET", AUTH_CALLS_BASIC, 0, 0, route_list},
    {"/v2/calls/extensive", "POST", AUTH_CALLS_EXTENSIVE, AUTH_CALLS_MEDIA, 0, route_extensive},
    {"/v2/calls/transcript", "POST", AUTH_CALLS_TRANSCRIPT, 0, 0, route_transcript},
    {"/v2/calls/", "GET", AUTH_CALLS_BASIC, 0, 0, route_get},
    {"/v2/users", "GET", AUTH_USERS, 0, 1, route_users},
    {"/v2/users/extensive", "POST", AUTH_USERS, 0, 1, route_users_extensive},
    {"/v2/users/", "GET", AUTH_USERS, 0, 0, route_user},
    {"/v2/workspaces", "GET", AUTH_WORKSPACES, 0, 1, route_workspaces},
};

static const struct route *
route_find(const char *path)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		size_t n = strlen(routes[i].path);

		if (routes[i].path[n - 1] == '/') {
			/* One more segment, and only one. */
			if (strncmp(path, routes[i].path, n) == 0 && path[n] != '\0' &&
			    strchr(path + n, '/') == NULL)
				return &routes[i];
		} else if (strcmp(path, routes[i].path) == 0) {
			return &routes[i];
		}
	}
	return NULL;
}

/* A body's media type is JSON: application/json, with parameters or none; no type at all is
 * taken as JSON too, as a client that forgot the header still means it. */
static int
router_json_body(const struct request *req)
{
	const char *t = request_header(req, "Content-Type");
	size_t n;

	if (t == NULL)
		return 1;
	while (*t == ' ' || *t == '\t')
		t++;
	n = strcspn(t, "; \t");
	return n == 16 && strncasecmp(t, "application/json", 16) == 0;
}

/*
 * Another method on an emulated path may be a Gong operation gongmock does not emulate (POST
 * /v2/calls adds a call on Gong). After Gong's credential check, a rule that gives an answer of
 * its own (a stub, or a status) answers it; anything else gets the 405, shaped by a rule that
 * fired without answering. Prefer and the limiter stay out of it, as before.
 */
static void
router_other_method(struct router *rt, const struct route *rte, const struct request *req,
                    struct response *r)
{
	struct fault_action action;
	struct reqctx x;
	int fired = 0;

	reqctx_init(&x, req);
	if (fault_set_count(rt->faults) > 0 &&
	    auth_check_scopes(rt->auth, request_header(req, "Authorization"), 0, &x.who, NULL) ==
	        AUTH_OK) {
		struct fault_request fr;

		memset(&fr, 0, sizeof(fr));
		fr.method = req->method;
		fr.path = req->path;
		fr.page = -1;
		if ((fr.query = reqctx_query(&x)) != NULL)
			fr.page = router_page(rt, &x);
		fr.credential = x.who.kind != 0 ? x.who.id : NULL;
		fr.body = req->body;
		fr.body_len = req->body_len;
		fired = fault_match(rt->faults, &fr, &action);
	}
	if (fired && fault_action_answers(&action)) {
		router_fault_status(r, action.status, action.retry_after, &action);
	} else {
		(void)response_header_set(r, "Allow", rte->method);
		error_respond(r, ERROR_METHOD, NULL);
	}
	if (fired) {
		router_fault_shape(r, &action);
		router_fault_source(r, &action);
	}
}

static void
router_api(struct router *rt, const struct route *rte, const struct request *req,
           struct response *r)
{
	struct fault_action action;
	struct reqctx x;
	unsigned missing = 0;
	int fired;

	if (strcmp(req->method, rte->method) != 0 &&
	    !(strcmp(rte->method, "GET") == 0 && strcmp(req->method, "HEAD") == 0)) {
		router_other_method(rt, rte, req, r);
		return;
	}
	reqctx_init(&x, req);
	switch (auth_check_scopes(rt->auth, request_header(req, "Authorization"),
	                          rte->scopes | rte->optional, &x.who, &missing)) {
	case AUTH_OK:
		break;
	case AUTH_NO_SCOPE:
		if ((missing & rte->scopes) == 0) {
			x.missing_scopes = missing;
			break;
		}
		{
			char msg[128];

			snprintf(msg, sizeof(msg),
			         "You don't have permission to use '%s' in your app.",
			         auth_scope_name(missing & rte->scopes &
			                         (0U - (missing & rte->scopes))));
			error_respond(r, rte->forbidden ? ERROR_FORBIDDEN : ERROR_NO_SCOPE, msg);
		}
		return;
	default:
		error_respond(r, ERROR_UNAUTHORIZED, NULL);
		return;
	}
	if (strcmp(rte->method, "POST") == 0 && !router_json_body(req)) {
		error_respond(r, ERROR_UNSUPPORTED, NULL);
		return;
	}
	if (!router_gate(rt, &x, r, &action, &fired))
		rte->handle(rt, &x, r);
	if (fired) {
		router_fault_shape(r, &action);
		router_fault_source(r, &action);
	}
}

/* The operations gongmock emulates, "GET /v2/calls, ..., and GET /v2/workspaces", into buf. */
static void
router_emulated(char *buf, size_t len)
{
	size_t i, n = sizeof(routes) / sizeof(routes[0]), used = 0;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		size_t pl = strlen(routes[i].path);
		int id = routes[i].path[pl - 1] == '/';

		used += (size_t)snprintf(buf + used, len - used, "%s%s %s%s",
		                         i == 0       ? ""
		                         : i + 1 == n ? " and "
		                                      : ", ",
		                         routes[i].method, routes[i].path, id ? "{id}" : "");
	}
}

/*
 * A request for a path gongmock does not emulate. Under /v2/ it is a Gong operation gongmock
 * does not know: the credentials are checked and Prefer, the rules (a stub of the user's can
 * answer it) and the limiter have their say, as for any operation; what is left gets a 404
 * that says what is emulated and what would serve the rest.
 */
static void
router_unknown(struct router *rt, const struct request *req, struct response *r)
{
	struct fault_action action;
	struct reqctx x;
	int fired = 0;
	char ops[512], msg[1536];

	if (router_is_api(req->path)) {
		reqctx_init(&x, req);
		if (auth_check_scopes(rt->auth, request_header(req, "Authorization"), 0, &x.who,
		                      NULL) != AUTH_OK) {
			error_respond(r, ERROR_UNAUTHORIZED, NULL);
			return;
		}
		if (router_gate(rt, &x, r, &action, &fired)) {
			if (fired) {
				router_fault_shape(r, &action);
				router_fault_source(r, &action);
			}
			return;
		}
	}
	router_emulated(ops, sizeof(ops));
	snprintf(msg, sizeof(msg),
	         "%.200s %.300s is not an operation gongmock emulates (it emulates %s): proxy mode "
	         "(--upstream, and --mock to keep these emulated) forwards it to Gong, and a rule "
	         "whose respond has a body stubs it",
	         req->method, req->path, ops);
	error_respond(r, ERROR_NOT_FOUND, msg);
	if (fired) {
		router_fault_shape(r, &action);
		router_fault_source(r, &action);
	}
}

void
router_handle(const struct request *req, struct response *r, void *cls)
{
	struct router *rt = cls;
	const struct route *rte = route_find(req->path);

	/* Proxy and replay modes send every API request on; with --mock (hybrid), only the
	 * operations not emulated here. */
	if ((rt->proxy != NULL || rt->replay != NULL) && router_is_api(req->path) &&
	    (!rt->hybrid || rte == NULL)) {
		router_elsewhere(rt, req, r);
		return;
	}
	if (rte != NULL) {
		router_api(rt, rte, req, r);
		return;
	}
	if (media_owns(req->path)) {
		media_serve(rt->calls.key, req, calls_now(&rt->calls), r);
		return;
	}
	if (admin_owns(req->path)) {
		admin_handle(&rt->admin, req, r);
		return;
	}
	router_unknown(rt, req, r);
}
