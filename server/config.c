/*
 * config.c - the serve-mode command line: its table of flags, and the checks of flags that
 * only make sense together.
 *
 * Every flag is checked, with a message that names it, so that a typo stops the start-up
 * (exit 2) instead of serving something the user did not ask for. Each flag is one entry of
 * config_spec below: parsing, the usage text and the answer to an unknown name all come from
 * it (the flags module does the work).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange.h"
#include "flags.h"
#include "ratelimit.h"

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->bind = CONFIG_DEFAULT_BIND;
	c->port = CONFIG_DEFAULT_PORT;
	c->page_size = CONFIG_DEFAULT_PAGE_SIZE;
	c->cursor_ttl = CONFIG_DEFAULT_CURSOR_TTL;
	c->log_format = CONFIG_LOG_TEXT;
	c->seed = 1;
	c->journal = CONFIG_DEFAULT_JOURNAL;
	c->upstream_timeout = CONFIG_DEFAULT_UPSTREAM_TIMEOUT;
	c->replay_miss_status = 501;
	c->request_timeout = CONFIG_DEFAULT_REQUEST_TIMEOUT;
	c->max_client_connections = CONFIG_DEFAULT_MAX_CLIENT_CONNECTIONS;
	c->https_port = -1;
	c->log_level = 3;
	c->gzip = 1;
}

/* --https-port: a port, 0 for any free one; stored as an int, -1 meaning none. */
static int
config_https_port(const char *v, void *field, char *why, size_t whylen)
{
	char *end;
	unsigned long n;

	if (v[0] < '0' || v[0] > '9' || (n = strtoul(v, &end, 10), *end != '\0') || n > 65535) {
		snprintf(why, whylen, "'%s' is not a port (0-65535)", v);
		return -1;
	}
	*(int *)field = (int)n;
	return 0;
}

/* --intercept: a host name, or "*." and a domain. */
static int
config_host_pattern(const char *v, void *field, char *why, size_t whylen)
{
	const char *p = strncmp(v, "*.", 2) == 0 ? v + 2 : v;

	(void)field;
	if (p[0] == '\0' || p[0] == '.' || strlen(v) > 253 ||
	    strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
	        strlen(p)) {
		snprintf(why, whylen, "'%s' is not a host name or *.domain", v);
		return -1;
	}
	return 0;
}

/* --upstream: the scheme is checked here, the rest when the proxy starts. */
static int
config_upstream_url(const char *v, void *field, char *why, size_t whylen)
{
	(void)field;
	if (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0)
		return 0;
	snprintf(why, whylen, "'%s' is not an http:// or https:// URL", v);
	return -1;
}

/* --redact: only the fields a dataset can do without. */
static int
config_redactable(const char *v, void *field, char *why, size_t whylen)
{
	(void)field;
	if (exchange_redactable(v))
		return 0;
	snprintf(why, whylen,
	         "'%s' is not a free-text field of a call (title, url, meetingUrl, customData, "
	         "purpose, sdrDisposition, clientUniqueId, calendarEventId)",
	         v);
	return -1;
}

/* --rate-limit: the spec is parsed now to refuse it early, and again by the server; "off" is
 * stored as NULL. */
static int
config_rate_limit(const char *v, void *field, char *why, size_t whylen)
{
	struct ratelimit_config rc;
	char reason[200];

	if (ratelimit_parse(v, &rc, reason, sizeof(reason)) != 0) {
		snprintf(why, whylen, "%s", reason);
		return -1;
	}
	*(const char **)field = strcmp(v, "off") == 0 ? NULL : v;
	return 0;
}

/* --tunnel: as --intercept, or "*" for any host. */
static int
config_tunnel_host(const char *v, void *field, char *why, size_t whylen)
{
	return strcmp(v, "*") == 0 ? 0 : config_host_pattern(v, field, why, whylen);
}

static const struct flags_word config_log_levels[] = {
    {"error", 0}, {"warning", 1}, {"info", 2}, {"access", 3}, {NULL, 0},
};

static const struct flags_word config_on_off[] = {
    {"on", 1},
    {"off", 0},
    {NULL, 0},
};

static const struct flags_word config_log_formats[] = {
    {"text", CONFIG_LOG_TEXT},
    {"json", CONFIG_LOG_JSON},
    {NULL, 0},
};

static const struct flags_word config_rate_limit_scopes[] = {
    {"company", 0},
    {"credential", 1},
    {NULL, 0},
};

#define CONFIG_AT(member) FLAGS_AT(struct config, member)

/* Every serve-mode flag, in the order of the usage text. */
static const struct flags_spec config_spec[] = {
    {.kind = FLAGS_SECTION, .help = "options"},
    {.name = "--bind",
     .arg = "ADDR",
     .help = "address to listen on (default 127.0.0.1)",
     .kind = FLAGS_STRING,
     CONFIG_AT(bind),
     .bad = "needs an address"},
    {.name = "--port",
     .arg = "N",
     .help = "port, 0 for any free one (default 8080)",
     .kind = FLAGS_UNSIGNED,
     .min = 0,
     .max = 65535,
     CONFIG_AT(port),
     .bad = "'%v' is not a port (%<-%>)"},
    {.name = "--threads",
     .arg = "N",
     .help = "worker threads (default: one per core)",
     .kind = FLAGS_UNSIGNED,
     .min = 1,
     .max = 256,
     CONFIG_AT(threads)},
    {.name = "--fixtures",
     .arg = "PATH",
     .help = "a file or directory of calls (default: built-in data)",
     .kind = FLAGS_STRING,
     CONFIG_AT(fixtures),
     .bad = "needs a file or directory"},
    {.name = "--page-size",
     .arg = "N",
     .help = "calls per page (default 100, as Gong)",
     .kind = FLAGS_UNSIGNED,
     .min = 1,
     .max = CONFIG_MAX_PAGE_SIZE,
     CONFIG_AT(page_size)},
    {.name = "--cursor-secret",
     .arg = "S",
     .help = "key for signing cursors, the same for every replica\n"
             "that serves one client (default: random per process)",
     .kind = FLAGS_STRING,
     CONFIG_AT(cursor_secret)},
    {.name = "--cursor-ttl",
     .arg = "SECONDS",
     .help = "cursor lifetime (default 3600)",
     .kind = FLAGS_SECONDS,
     .min = 1,
     .max = 366ULL * 24 * 3600,
     CONFIG_AT(cursor_ttl)},
    {.name = "--strict",
     .help = "refuse with a 400 what Gong tolerates but that shows a\n"
             "client bug (a POST's cursor in the query string, unknown\n"
             "keys, a filter changed mid-walk); default: log a warning",
     .kind = FLAGS_BOOL,
     CONFIG_AT(strict)},
    {.name = "--credentials",
     .arg = "FILE",
     .help = "accept only these credentials (default: any)",
     .kind = FLAGS_STRING,
     CONFIG_AT(credentials),
     .bad = "needs a file"},
    {.name = "--log-format",
     .arg = "text|json",
     .help = "access log format (default text)",
     .kind = FLAGS_ENUM,
     .words = config_log_formats,
     CONFIG_AT(log_format)},
    {.name = "--log-level",
     .arg = "L",
     .help = "error, warning, info (start-up and shutdown too) or\n"
             "access (and a line per request; the default)",
     .kind = FLAGS_ENUM,
     .words = config_log_levels,
     CONFIG_AT(log_level)},
    {.name = "--quiet",
     .alias = "-q",
     .help = "warnings and errors only (--log-level warning)",
     .kind = FLAGS_BOOL,
     CONFIG_AT(quiet)},
    {.name = "--gzip",
     .arg = "on|off",
     .help = "gzip bodies for clients that send Accept-Encoding: gzip,\n"
             "as Gong does (default on)",
     .kind = FLAGS_ENUM,
     .words = config_on_off,
     CONFIG_AT(gzip)},
    {.name = "--cors",
     .help = "let browser pages on any origin call it: answer CORS\n"
             "preflights, send Access-Control-Allow-Origin",
     .kind = FLAGS_BOOL,
     CONFIG_AT(cors)},
    {.name = "--request-timeout",
     .arg = "S",
     .help = "seconds for a request (line, headers, body) to arrive\n"
             "whole once the connection opens (default 10; 0: none)",
     .kind = FLAGS_SECONDS,
     .min = 0,
     .max = 3600,
     CONFIG_AT(request_timeout)},
    {.name = "--max-client-connections",
     .arg = "N",
     .help = "connections open at once from one client address\n"
             "(default 2048; 0: no cap)",
     .kind = FLAGS_UNSIGNED,
     .min = 0,
     .max = 1000000,
     CONFIG_AT(max_client_connections)},

    {.kind = FLAGS_SECTION, .help = "faults"},
    {.name = "--rate-limit",
     .arg = "SPEC",
     .help = "gong (3/s and 10000/day), or e.g. 5/s,200/day (default off)",
     .kind = FLAGS_CUSTOM,
     CONFIG_AT(rate_limit),
     .check = config_rate_limit},
    {.name = "--rate-limit-scope",
     .arg = "S",
     .help = "company (all credentials together, as Gong) or credential",
     .kind = FLAGS_ENUM,
     .words = config_rate_limit_scopes,
     CONFIG_AT(rate_limit_per_credential)},
    {.name = "--scenario",
     .arg = "FILE",
     .help = "fault rules to load at start-up",
     .kind = FLAGS_STRING,
     CONFIG_AT(scenario),
     .bad = "needs a file"},
    {.name = "--seed",
     .arg = "N",
     .help = "seed for rule probabilities and delay ranges (default 1)",
     .kind = FLAGS_UINT64,
     CONFIG_AT(seed)},
    {.name = "--journal",
     .arg = "N",
     .help = "requests kept for GET /__admin/requests (default 1000)",
     .kind = FLAGS_UNSIGNED,
     .min = 0,
     .max = CONFIG_MAX_JOURNAL,
     CONFIG_AT(journal)},
    {.name = "--admin-token",
     .arg = "T",
     .help = "control API needs 'Authorization: Bearer T' (default:\n"
             "loopback clients only)",
     .kind = FLAGS_STRING,
     CONFIG_AT(admin_token)},

    {.kind = FLAGS_SECTION, .help = "HTTPS and CONNECT"},
    {.name = "--https-port",
     .arg = "N",
     .help = "also serve HTTPS on this port (0: any free one)",
     .kind = FLAGS_CUSTOM,
     CONFIG_AT(https_port),
     .check = config_https_port},
    {.name = "--tls-cert",
     .arg = "FILE",
     .help = "your certificate chain (PEM) instead of gongmock's CA",
     .kind = FLAGS_STRING,
     CONFIG_AT(tls_cert),
     .bad = "needs a file"},
    {.name = "--tls-key",
     .arg = "FILE",
     .help = "its private key (PEM)",
     .kind = FLAGS_STRING,
     CONFIG_AT(tls_key),
     .bad = "needs a file"},
    {.name = "--ca-dir",
     .arg = "DIR",
     .help = "where gongmock keeps its CA, made on first use (default\n"
             "~/.local/share/gongmock/ca; gongmock ca prints its path)",
     .kind = FLAGS_STRING,
     CONFIG_AT(ca_dir),
     .bad = "needs a directory"},
    {.name = "--intercept",
     .arg = "HOST",
     .help = "answer a CONNECT to HOST (or *.domain) here, with TLS\n"
             "(repeatable; default api.gong.io and *.api.gong.io)",
     .kind = FLAGS_LIST,
     FLAGS_LIST_AT(struct config, intercept, nintercept),
     .bad = "at most %> hosts",
     .check = config_host_pattern},

    {.name = "--tunnel",
     .arg = "HOST",
     .help = "let a CONNECT to HOST (*.domain, or * for any) through\n"
             "unread (repeatable; default: none)",
     .kind = FLAGS_LIST,
     FLAGS_LIST_AT(struct config, tunnel, ntunnel),
     .bad = "at most %> hosts",
     .check = config_tunnel_host},

    {.kind = FLAGS_SECTION, .help = "proxy, record and replay"},
    {.name = "--upstream",
     .arg = "URL",
     .help = "forward /v2/ requests to the real API (e.g.\n"
             "https://api.gong.io)",
     .kind = FLAGS_STRING,
     CONFIG_AT(upstream),
     .check = config_upstream_url},
    {.name = "--upstream-ca",
     .arg = "FILE",
     .help = "CA certificate(s) for the upstream's TLS",
     .kind = FLAGS_STRING,
     CONFIG_AT(upstream_ca),
     .bad = "needs a file"},
    {.name = "--upstream-timeout",
     .arg = "S",
     .help = "seconds before a 504 (default 30)",
     .kind = FLAGS_SECONDS,
     .min = 1,
     .max = 3600,
     CONFIG_AT(upstream_timeout)},
    {.name = "--mock",
     .help = "with --upstream (or --replay): answer the operations\n"
             "gongmock emulates from its data, send only the rest on",
     .kind = FLAGS_BOOL,
     CONFIG_AT(mock)},
    {.name = "--record",
     .arg = "FILE",
     .help = "append each exchange to a cassette (with --upstream)",
     .kind = FLAGS_STRING,
     CONFIG_AT(record),
     .bad = "needs a file"},
    {.name = "--redact",
     .arg = "FIELD",
     .help = "blank a call's free-text field in recordings (repeatable)",
     .kind = FLAGS_LIST,
     FLAGS_LIST_AT(struct config, redact, nredact),
     .bad = "at most %> fields",
     .check = config_redactable},
    {.name = "--replay",
     .arg = "FILE",
     .help = "serve a recorded cassette, no upstream",
     .kind = FLAGS_STRING,
     CONFIG_AT(replay),
     .bad = "needs a cassette file"},
    {.name = "--match-credential",
     .help = "replay tells credentials apart by fingerprint",
     .kind = FLAGS_BOOL,
     CONFIG_AT(match_credential)},
    {.name = "--replay-miss-status",
     .arg = "N",
     .help = "status for an unrecorded request (default 501)",
     .kind = FLAGS_UNSIGNED,
     .min = 400,
     .max = 599,
     CONFIG_AT(replay_miss_status),
     .bad = "'%v' is not a status from %< to %>"},
    {.name = "--version", .help = "print the version and exit", .kind = FLAGS_VERSION},
    {.name = "--help", .alias = "-h", .help = "print this help and exit", .kind = FLAGS_HELP},
};

static const struct flags_table config_flags = {
    .spec = config_spec,
    .nspec = sizeof(config_spec) / sizeof(config_spec[0]),
    .column = 25,
    .unexpected = "unexpected argument '%a' (see --help)",
    .unknown = "unknown option '%n' (see --help)",
    .no_value = "%n needs a value (see --help)",
    .env_prefix = CONFIG_ENV_PREFIX,
};

/* The variables' names, wrapped as the option list is indented. */
static void
config_usage_env(FILE *out)
{
	char name[128];
	size_t i, used = 0;

	for (i = 0; i < config_flags.nspec; i++) {
		const struct flags_spec *fs = &config_flags.spec[i];
		size_t n;

		if (fs->kind == FLAGS_SECTION || fs->kind == FLAGS_HELP ||
		    fs->kind == FLAGS_VERSION ||
		    flags_env_name(&config_flags, fs, name, sizeof(name)) != 0)
			continue;
		n = strlen(name);
		if (used > 0 && used + 1 + n > 80) {
			fputc('\n', out);
			used = 0;
		}
		used += (size_t)fprintf(out, "%s%s", used == 0 ? "  " : " ", name);
	}
	if (used > 0)
		fputc('\n', out);
}

void
config_usage(FILE *out)
{
	fputs("usage: gongmock [options]\n"
	      "       gongmock generate [options]   (gongmock generate --help)\n"
	      "       gongmock health [options]     (exit 0 when the server answers)\n"
	      "       gongmock ca [--pem]           (the path of the CA certificate to trust)\n"
	      "\n"
	      "A mock of Gong's calls, users and workspaces API, served from fixture data,\n"
	      "or a proxy to the real one that records and replays.\n",
	      out);
	flags_usage(&config_flags, out);
	fputs("\n"
	      "environment:\n"
	      "  Every option can also come from a variable: " CONFIG_ENV_PREFIX
	      " and its name in\n"
	      "  capitals, '-' as '_' (--rate-limit 5/s: GONGMOCK_RATE_LIMIT=5/s; --quiet:\n"
	      "  GONGMOCK_QUIET=1; --redact: a comma-separated list). The command line wins; an\n"
	      "  empty variable is unset.\n",
	      out);
	config_usage_env(out);
	fputs("\n"
	      "signals: SIGHUP reloads the fixtures; SIGINT/SIGTERM finish requests and exit.\n",
	      out);
}

const char *
config_env_unknown(char *const *envp, size_t *from)
{
	long i = flags_env_unknown(&config_flags, envp, from);

	return i < 0 ? NULL : envp[i];
}

void
config_release(struct config *c)
{
	free(c->env_hold);
	c->env_hold = NULL;
}

/* Flags that only make sense together, or never together. */
static enum config_result
config_check(const struct config *c, char *err, size_t errlen)
{
	if (c->upstream != NULL && c->replay != NULL) {
		snprintf(err, errlen,
		         "--upstream and --replay exclude each other: proxy or replay");
		return CONFIG_ERROR;
	}
	if (c->record != NULL && c->upstream == NULL) {
		snprintf(err, errlen,
		         "--record needs --upstream: it records what the upstream says");
		return CONFIG_ERROR;
	}
	if (c->nredact > 0 && c->record == NULL) {
		snprintf(err, errlen, "--redact goes with --record");
		return CONFIG_ERROR;
	}
	if (c->upstream_ca != NULL && c->upstream == NULL) {
		snprintf(err, errlen, "--upstream-ca goes with --upstream");
		return CONFIG_ERROR;
	}
	if ((c->tls_cert == NULL) != (c->tls_key == NULL)) {
		snprintf(err, errlen, "--tls-cert and --tls-key go together");
		return CONFIG_ERROR;
	}
	if (c->tls_cert != NULL && c->ca_dir != NULL) {
		snprintf(err, errlen,
		         "--tls-cert and --ca-dir exclude each other: your certificate "
		         "or gongmock's CA");
		return CONFIG_ERROR;
	}
	if (c->mock && c->upstream == NULL && c->replay == NULL) {
		snprintf(
		    err, errlen,
		    "--mock goes with --upstream or --replay: without them everything is mocked");
		return CONFIG_ERROR;
	}
	if (c->match_credential && c->replay == NULL) {
		snprintf(err, errlen, "--match-credential goes with --replay");
		return CONFIG_ERROR;
	}
	return CONFIG_OK;
}

enum config_result
config_parse(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
	return config_parse_env(c, argc, argv, NULL, err, errlen);
}

enum config_result
config_parse_env(struct config *c, int argc, char **argv, char *const *envp, char *err,
                 size_t errlen)
{
	config_release(c);
	switch (flags_parse_env(&config_flags, c, argc, argv, envp, &c->env_hold, err, errlen)) {
	case FLAGS_OK:
		return config_check(c, err, errlen);
	case FLAGS_ASK_HELP:
		return CONFIG_HELP;
	case FLAGS_ASK_VERSION:
		return CONFIG_VERSION;
	default:
		return CONFIG_ERROR;
	}
}
