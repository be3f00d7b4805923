/*
 * server.c - assembling a server from a config.
 *
 * Start-up is the only place where failure is fatal; everything after it turns errors into
 * answers. The built-in fixtures are linked into the binary (embed.S), so a server started
 * without --fixtures needs no file at all.
 */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "auth.h"
#include "builtin.h"
#include "cassette.h"
#include "cursor.h"
#include "dataset.h"
#include "fault.h"
#include "http.h"
#include "journal.h"
#include "log.h"
#include "proxy.h"
#include "ratelimit.h"
#include "recorder.h"
#include "replay.h"
#include "router.h"
#include "store.h"
#include "tls.h"

struct server {
	const struct config *cfg;
	struct cursor_key key;
	struct auth *auth;
	struct store_slot *slot;
	struct fault_set *faults;
	struct ratelimit *limiter;
	struct journal *journal;
	struct proxy *proxy;
	struct recorder *recorder;
	struct cassette *cassette;
	struct replay *replay; /* over cassette */
	struct router router;
	struct http *http;
	long long load_us;
	int tls_set; /* tls_setup ran: tls_teardown on the way out */
};

/* Says what a load let through; hands the store on. */
static struct store *
server_warn(struct store *s)
{
	if (s != NULL && store_warning(s)[0] != '\0')
		log_msg("warning", "%s", store_warning(s));
	return s;
}

static struct store *
server_load(const struct config *cfg, char *err, size_t errlen)
{
	size_t len;
	const char *data;

	if (cfg->fixtures != NULL && cassette_is_cassette(cfg->fixtures)) {
		/* A recording as data: the calls of its answers, any range served from them. */
		char warn[1024];
		char *json =
		    dataset_from_cassette(cfg->fixtures, &len, warn, sizeof(warn), err, errlen);
		struct store *s;

		if (json == NULL)
			return NULL;
		if (warn[0] != '\0')
			log_msg("warning", "%s", warn);
		s = store_load_buffer(cfg->fixtures, json, len, err, errlen);
		free(json);
		return server_warn(s);
	}
	if (cfg->fixtures != NULL)
		return server_warn(store_load(cfg->fixtures, err, errlen));
	data = builtin_fixtures(&len);
	if (data == NULL) {
		snprintf(err, errlen, "the built-in fixtures cannot be inflated (out of memory?)");
		return NULL;
	}
	return server_warn(store_load_buffer("built-in fixtures", data, len, err, errlen));
}

static void
server_rewind(void *cls)
{
	replay_rewind(cls);
}

/* Records every request but the control API's own in the journal and the metrics. */
static void
server_observe(const struct log_access *a, void *cls)
{
	struct server *s = cls;
	struct journal_entry e;

	if (admin_owns(a->path))
		return;
	e.time_us = a->time_us;
	e.request_id = a->request_id;
	e.method = a->method;
	e.path = a->path;
	e.query = a->query;
	e.query_len = a->query_len;
	e.body = a->body;
	e.body_len = a->body_len;
	e.status = a->status;
	e.source = a->source;
	e.duration_us = a->duration_us;
	journal_add(s->journal, &e);
}

/* Frees what a server holds once no request can reach it. */
static void
server_free(struct server *s)
{
	if (s->tls_set)
		tls_teardown();
	store_slot_free(s->slot);
	proxy_free(s->proxy);
	recorder_close(s->recorder);
	replay_free(s->replay);
	cassette_free(s->cassette);
	auth_free(s->auth);
	fault_set_free(s->faults);
	ratelimit_free(s->limiter);
	journal_free(s->journal);
	free(s);
}

/* The fault rules (with the scenario), the journal and the rate limiter. */
static int
server_faults(struct server *s, const struct config *cfg, char *err, size_t errlen)
{
	s->faults = fault_set_create(cfg->seed);
	s->journal = journal_create(cfg->journal);
	if (s->faults == NULL || s->journal == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (cfg->scenario != NULL &&
	    fault_set_load_file(s->faults, cfg->scenario, err, errlen) != 0)
		return -1;
	if (cfg->rate_limit != NULL) {
		struct ratelimit_config rc;

		if (ratelimit_parse(cfg->rate_limit, &rc, err, errlen) != 0)
			return -1;
		s->limiter = ratelimit_create(&rc, NULL);
		if (s->limiter == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* Proxy, record and replay: the upstream, the recorder and the cassette, as asked. Each is
 * opened before anything listens, so a bad one stops the start-up. */
static int
server_forwarding(struct server *s, const struct config *cfg, char *err, size_t errlen)
{
	if (cfg->upstream != NULL) {
		struct proxy_options po;

		memset(&po, 0, sizeof(po));
		po.upstream = cfg->upstream;
		po.ca_file = cfg->upstream_ca;
		po.timeout_s = cfg->upstream_timeout;
		s->proxy = proxy_create(&po, err, errlen);
		if (s->proxy == NULL)
			return -1;
	}
	if (cfg->record != NULL) {
		char warn[1024], why[1024];

		/* Opened before anything listens: a path that cannot be written stops start-up. */
		s->recorder = recorder_open(cfg->record, cfg->redact, cfg->nredact, warn,
		                            sizeof(warn), why, sizeof(why));
		if (s->recorder == NULL) {
			snprintf(err, errlen, "--record: %s", why);
			return -1;
		}
		if (warn[0] != '\0')
			log_msg("warning", "%s", warn);
	}
	if (cfg->replay != NULL) {
		const char *w;

		s->cassette = cassette_load(cfg->replay, err, errlen);
		if (s->cassette == NULL)
			return -1;
		s->replay = replay_create(s->cassette);
		if (s->replay == NULL) {
			snprintf(err, errlen, "%s: out of memory", cfg->replay);
			return -1;
		}
		for (size_t i = 0; (w = cassette_warning(s->cassette, i)) != NULL; i++)
			log_msg("warning", "%s", w);
	}
	return 0;
}

/* Hands the router and the control API what they serve from. */
static void
server_wire(struct server *s, const struct config *cfg)
{
	calls_ctx_init(&s->router.calls, s->slot, &s->key, cfg->page_size, cfg->cursor_ttl);
	s->router.calls.strict = cfg->strict;
	s->router.auth = s->auth;
	s->router.faults = s->faults;
	s->router.limiter = s->limiter;
	s->router.limit_per_credential = cfg->rate_limit_per_credential;
	s->router.admin.slot = s->slot;
	s->router.admin.started_us = log_now_us();
	s->router.admin.faults = s->faults;
	s->router.admin.limiter = s->limiter;
	s->router.admin.journal = s->journal;
	s->router.admin.token = cfg->admin_token;
	s->router.admin.mode = s->proxy != NULL ? "proxy" : s->cassette != NULL ? "replay" : "mock";
	s->router.admin.cassette = s->cassette;
	s->router.admin.recorder = s->recorder;
	s->router.proxy = s->proxy;
	s->router.recorder = s->recorder;
	s->router.replay = s->replay;
	s->router.match_credential = cfg->match_credential;
	s->router.miss_status = cfg->replay_miss_status;
	if (s->cassette != NULL) {
		s->router.admin.on_reset = server_rewind;
		s->router.admin.on_reset_cls = s->replay;
	}
}

struct server *
server_start(const struct config *cfg, char *err, size_t errlen, int *exit_code)
{
	struct server *s = calloc(1, sizeof(*s));
	struct store *st;
	struct http_options ho;
	struct http_tls tls;
	struct tls_config tc;

	*exit_code = 1;
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	if (cursor_key_init(&s->key, cfg->cursor_secret, err, errlen) != 0)
		goto fail;
	if (server_faults(s, cfg, err, errlen) != 0)
		goto fail;
	if (server_forwarding(s, cfg, err, errlen) != 0)
		goto fail;
	if (cfg->credentials != NULL) {
		s->auth = auth_load(cfg->credentials, err, errlen);
		if (s->auth == NULL)
			goto fail;
	}
	s->load_us = log_now_us();
	st = server_load(cfg, err, errlen);
	if (st == NULL)
		goto fail;
	s->load_us = log_now_us() - s->load_us;
	s->slot = store_slot_create(st);
	if (s->slot == NULL) {
		store_free(st);
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	server_wire(s, cfg);

	/* TLS is always ready for an intercepted CONNECT; the CA is opened now only when an
	 * HTTPS listener or the user's certificate needs it, so that a mistake stops here. */
	memset(&tc, 0, sizeof(tc));
	tc.ca_dir = cfg->ca_dir;
	tc.cert_file = cfg->tls_cert;
	tc.key_file = cfg->tls_key;
	if (cfg->nintercept > 0) {
		tc.intercept = cfg->intercept;
		tc.nintercept = cfg->nintercept;
	}
	tc.tunnel = cfg->tunnel;
	tc.ntunnel = cfg->ntunnel;
	if (tls_setup(&tc, cfg->https_port >= 0 || cfg->tls_cert != NULL, err, errlen) != 0)
		goto fail;
	s->tls_set = 1;
	memset(&tls, 0, sizeof(tls));
	tls.listen = cfg->https_port >= 0;
	tls.port = cfg->https_port >= 0 ? (unsigned)cfg->https_port : 0;
	tls.retrieve = tls_retrieve;
	tls.connect = tls_connect;

	memset(&ho, 0, sizeof(ho));
	ho.tls = &tls;
	ho.bind = cfg->bind;
	ho.port = cfg->port;
	ho.threads = cfg->threads;
	ho.request_timeout = cfg->request_timeout;
	ho.max_client_connections = cfg->max_client_connections;
	/* A forwarded request is answered on the thread that took it: its upstream transfer
	 * runs on that thread's loop, and the worker goes on serving meanwhile. */
	ho.loops = s->proxy != NULL;
	ho.observe = server_observe;
	ho.observe_cls = s;
	s->http = http_start(&ho, router_handle, &s->router, err, errlen);
	if (s->http == NULL)
		goto fail;
	*exit_code = 0;
	return s;
fail:
	server_free(s);
	return NULL;
}

unsigned
server_port(const struct server *s)
{
	return http_port(s->http);
}

unsigned
server_https_port(const struct server *s)
{
	return http_https_port(s->http);
}

size_t
server_calls(const struct server *s)
{
	unsigned ticket;
	const struct store *st = store_slot_acquire(s->slot, &ticket);
	size_t n = store_count(st);

	store_slot_release(s->slot, ticket);
	return n;
}

long long
server_load_us(const struct server *s)
{
	return s->load_us;
}

int
server_reload(struct server *s, char *err, size_t errlen)
{
	long long t0 = log_now_us();
	struct store *st = server_load(s->cfg, err, errlen);

	if (st == NULL)
		return -1;
	s->load_us = log_now_us() - t0;
	store_slot_swap(s->slot, st);
	return 0;
}

void
server_halt(struct server *s)
{
	/* Forwarded requests still waiting for the upstream after the grace are cut off (503)
	 * before the connections close: none may be left suspended. */
	http_drain(s->http, 10000);
	proxy_shutdown(s->proxy);
	http_stop(s->http, 0);
	s->http = NULL;
}

void
server_stop(struct server *s)
{
	if (s == NULL)
		return;
	server_halt(s);
	server_free(s);
}
