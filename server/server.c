/*
 * server.c - assembling a server from a config.
 *
 * Start-up is the only place where failure is fatal; everything after it turns errors into
 * answers. The built-in fixtures are linked into the binary (embed.S), so a server started
 * without --fixtures needs no file at all.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
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
#include "sock.h"
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
	int tls_set;           /* tls_setup ran: tls_teardown on the way out */
	size_t scenario_rules; /* rules the scenario file held at start-up */
};

/*
 * Refuses a file a flag names that cannot be opened, with a message naming the flag:
 * "--replay: cannot open calls.jsonl: No such file or directory". The loaders' own messages
 * name the file only, which leaves the user to guess which flag gave it. O_NONBLOCK: a FIFO
 * named by mistake must not hang the start-up here.
 */
static int
server_openable(const char *flag, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open %s: %s", flag, path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

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
	if (cfg->scenario != NULL) {
		if (server_openable("--scenario", cfg->scenario, err, errlen) != 0 ||
		    fault_set_load_file(s->faults, cfg->scenario, err, errlen) != 0)
			return -1;
		s->scenario_rules = fault_set_count(s->faults);
	}
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

/* What every refusal of a --replay file ends with: what the file should have held. */
#define SERVER_CASSETTE_LINE                                                                       \
	"a cassette holds one JSON object per line, each with \"request\" and \"response\", "      \
	"as --upstream URL --record FILE writes them"

/*
 * Loads the cassette to replay. A file that is not one (fixture data given to the wrong flag,
 * most often) is refused saying so, and what a cassette looks like; one with no exchange at
 * all is served, with a warning that every request will miss.
 */
static int
server_cassette(struct server *s, const struct config *cfg, char *err, size_t errlen)
{
	char why[1024];
	const char *w;

	if (server_openable("--replay", cfg->replay, err, errlen) != 0)
		return -1;
	if (cassette_kind(cfg->replay) == CASSETTE_OTHER && cassette_holds_calls(cfg->replay)) {
		snprintf(err, errlen,
		         "--replay: %s is not a cassette: it looks like fixture data, which "
		         "--fixtures serves; " SERVER_CASSETTE_LINE,
		         cfg->replay);
		return -1;
	}
	s->cassette = cassette_load(cfg->replay, why, sizeof(why));
	if (s->cassette == NULL) {
		/* The first line already fails: not a cassette at all, most likely. */
		if (cassette_kind(cfg->replay) == CASSETTE_OTHER)
			snprintf(err, errlen, "--replay: %s; " SERVER_CASSETTE_LINE, why);
		else
			snprintf(err, errlen, "--replay: %s", why);
		return -1;
	}
	s->replay = replay_create(s->cassette);
	if (s->replay == NULL) {
		snprintf(err, errlen, "--replay: %s: out of memory", cfg->replay);
		return -1;
	}
	for (size_t i = 0; (w = cassette_warning(s->cassette, i)) != NULL; i++)
		log_msg("warning", "%s", w);
	if (cassette_count(s->cassette) == 0)
		log_msg("warning",
		        "--replay: %s holds no exchanges: every request under /v2/ will get the "
		        "miss status, %u; record some with --upstream URL --record %s",
		        cfg->replay, cfg->replay_miss_status, cfg->replay);
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
	if (cfg->replay != NULL && server_cassette(s, cfg, err, errlen) != 0)
		return -1;
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
	s->router.admin.mode = server_mode(s);
	s->router.admin.dataset = (s->proxy == NULL && s->cassette == NULL) || cfg->mock;
	s->router.admin.fixtures = cfg->fixtures;
	/* proxy_create refused a URL with credentials in it: this one may be shown. */
	s->router.admin.upstream = s->proxy != NULL ? cfg->upstream : NULL;
	s->router.admin.cassette = s->cassette;
	s->router.admin.cassette_path = s->cassette != NULL ? cfg->replay : NULL;
	s->router.admin.recorder = s->recorder;
	s->router.admin.scenario = cfg->scenario;
	s->router.admin.scenario_rules = s->scenario_rules;
	s->router.proxy = s->proxy;
	s->router.recorder = s->recorder;
	s->router.replay = s->replay;
	s->router.match_credential = cfg->match_credential;
	s->router.hybrid = cfg->mock;
	s->router.calls.gzip = cfg->gzip;
	s->router.miss_status = cfg->replay_miss_status;
	if (s->cassette != NULL) {
		s->router.admin.on_reset = server_rewind;
		s->router.admin.on_reset_cls = s->replay;
	}
}

/*
 * Tries the address before the HTTP layer does, so that a port in use is reported in one way
 * whichever way the mode listens (one socket, or one per worker thread, whose own failures
 * read differently), with what to do about it. Port 0 always finds a free port. A port taken
 * between this probe and the listening is still refused, in the HTTP layer's words.
 */
static int
server_probe(const char *what, const char *bind, unsigned port, const char *flag, char *err,
             size_t errlen)
{
	struct sockaddr_storage ss;
	char why[256];
	const char *hint;

	if (port == 0)
		return 0;
	if (sock_resolve(bind, port, &ss, err, errlen) != 0)
		return -1;
	if (sock_probe(&ss, why, sizeof(why)) == 0)
		return 0;
	if (strcmp(why, strerror(EADDRINUSE)) == 0) {
		snprintf(err, errlen,
		         "cannot listen%s on %s port %u: address already in use (another "
		         "gongmock? %s picks another)",
		         what, bind, port, flag);
		return -1;
	}
	if (strcmp(why, strerror(EADDRNOTAVAIL)) == 0)
		hint = "not an address of this machine? --bind picks another";
	else if (strcmp(why, strerror(EACCES)) == 0)
		hint = port < 1024 ? "ports below 1024 need root or CAP_NET_BIND_SERVICE"
		                   : "not allowed here";
	else
		hint = NULL;
	snprintf(err, errlen, "cannot listen%s on %s port %u: %s%s%s%s", what, bind, port, why,
	         hint != NULL ? " (" : "", hint != NULL ? hint : "", hint != NULL ? ")" : "");
	return -1;
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
		if (server_openable("--credentials", cfg->credentials, err, errlen) != 0)
			goto fail;
		s->auth = auth_load(cfg->credentials, err, errlen);
		if (s->auth == NULL)
			goto fail;
	}
	if (cfg->fixtures != NULL && server_openable("--fixtures", cfg->fixtures, err, errlen) != 0)
		goto fail;
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
	ho.gzip = cfg->gzip;
	ho.cors = cfg->cors;
	ho.observe = server_observe;
	ho.observe_cls = s;
	if (server_probe("", cfg->bind, cfg->port, "--port", err, errlen) != 0 ||
	    (cfg->https_port > 0 && server_probe(" for HTTPS", cfg->bind, (unsigned)cfg->https_port,
	                                         "--https-port", err, errlen) != 0))
		goto fail;
	s->http = http_start(&ho, router_handle, &s->router, err, errlen);
	if (s->http == NULL)
		goto fail;
	*exit_code = 0;
	return s;
fail:
	server_free(s);
	return NULL;
}

const char *
server_mode(const struct server *s)
{
	return s->proxy != NULL ? "proxy" : s->cassette != NULL ? "replay" : "mock";
}

void
server_announce(const struct server *s)
{
	const struct config *cfg = s->cfg;

	if (s->proxy != NULL && s->recorder != NULL)
		log_msg("info", "proxy mode: forwarding /v2/ requests to %s, recording to %s",
		        cfg->upstream, cfg->record);
	else if (s->proxy != NULL)
		log_msg("info", "proxy mode: forwarding /v2/ requests to %s", cfg->upstream);
	else if (s->cassette != NULL)
		log_msg("info",
		        "replay mode: serving %zu recorded exchange%s from %s%s; a request not "
		        "recorded gets %u",
		        cassette_count(s->cassette), cassette_count(s->cassette) == 1 ? "" : "s",
		        cfg->replay,
		        cfg->match_credential ? ", credentials matched by fingerprint" : "",
		        cfg->replay_miss_status);
	else
		log_msg("info", "mock mode: serving %zu calls from %s (loaded in %lld ms)",
		        server_calls(s), cfg->fixtures ? cfg->fixtures : "the built-in fixtures",
		        s->load_us / 1000);
	if (cfg->mock && (s->proxy != NULL || s->cassette != NULL))
		log_msg(
		    "info",
		    "--mock: the operations gongmock emulates are answered from %zu calls of %s; "
		    "only the others go %s",
		    server_calls(s), cfg->fixtures ? cfg->fixtures : "the built-in fixtures",
		    s->proxy != NULL ? "upstream" : "to the cassette");
	if (cfg->scenario != NULL)
		log_msg("info", "scenario %s: %zu fault rule%s loaded", cfg->scenario,
		        s->scenario_rules, s->scenario_rules == 1 ? "" : "s");
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
