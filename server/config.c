/*
 * config.c - parsing the serve-mode command line.
 *
 * Every flag is checked here, with a message that names it, so that a typo stops the start-up
 * (exit 2) instead of serving something the user did not ask for.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cassette.h"
#include "ratelimit.h"

void
config_defaults(struct config *c)
{
	const char *secret = getenv("GONGMOCK_CURSOR_SECRET");

	memset(c, 0, sizeof(*c));
	c->bind = CONFIG_DEFAULT_BIND;
	c->port = CONFIG_DEFAULT_PORT;
	c->page_size = CONFIG_DEFAULT_PAGE_SIZE;
	c->cursor_ttl = CONFIG_DEFAULT_CURSOR_TTL;
	c->cursor_secret = (secret != NULL && secret[0] != '\0') ? secret : NULL;
	c->log_format = CONFIG_LOG_TEXT;
	c->seed = 1;
	c->journal = CONFIG_DEFAULT_JOURNAL;
	c->upstream_timeout = CONFIG_DEFAULT_UPSTREAM_TIMEOUT;
	c->replay_miss_status = 501;
	c->request_timeout = CONFIG_DEFAULT_REQUEST_TIMEOUT;
	c->max_client_connections = CONFIG_DEFAULT_MAX_CLIENT_CONNECTIONS;
}

void
config_usage(FILE *out)
{
	fputs(
	    "usage: gongmock [options]\n"
	    "       gongmock generate [options]   (gongmock generate --help)\n"
	    "\n"
	    "A mock of Gong's GET /v2/calls, served from fixture data.\n"
	    "\n"
	    "options:\n"
	    "  --bind ADDR            address to listen on (default 127.0.0.1)\n"
	    "  --port N               port, 0 for any free one (default 8080)\n"
	    "  --threads N            worker threads (default: one per core)\n"
	    "  --fixtures PATH        a file or directory of calls (default: built-in data)\n"
	    "  --page-size N          calls per page (default 100, as Gong)\n"
	    "  --cursor-secret S      key for signing cursors (default: random per process;\n"
	    "                         or GONGMOCK_CURSOR_SECRET)\n"
	    "  --cursor-ttl SECONDS   cursor lifetime (default 3600)\n"
	    "  --credentials FILE     accept only these credentials (default: any)\n"
	    "  --log-format text|json access log format (default text)\n"
	    "  --quiet                no access log\n"
	    "  --request-timeout S    seconds for a request (line, headers, body) to arrive\n"
	    "                         whole once the connection opens (default 10; 0: none)\n"
	    "  --max-client-connections N\n"
	    "                         connections open at once from one client address\n"
	    "                         (default 2048; 0: no cap)\n"
	    "\n"
	    "faults:\n"
	    "  --rate-limit SPEC      gong (3/s and 10000/day), or e.g. 5/s,200/day (default off)\n"
	    "  --rate-limit-scope S   company (all credentials together, as Gong) or credential\n"
	    "  --scenario FILE        fault rules to load at start-up\n"
	    "  --seed N               seed for rule probabilities and delay ranges (default 1)\n"
	    "  --journal N            requests kept for GET /__admin/requests (default 1000)\n"
	    "  --admin-token T        control API needs 'Authorization: Bearer T' (default:\n"
	    "                         loopback clients only)\n"
	    "\n"
	    "proxy, record and replay:\n"
	    "  --upstream URL         forward /v2/ requests to the real API (e.g.\n"
	    "                         https://api.gong.io)\n"
	    "  --upstream-ca FILE     CA certificate(s) for the upstream's TLS\n"
	    "  --upstream-timeout S   seconds before a 504 (default 30)\n"
	    "  --record FILE          append each exchange to a cassette (with --upstream)\n"
	    "  --redact FIELD         blank a call's free-text field in recordings (repeatable)\n"
	    "  --replay FILE          serve a recorded cassette, no upstream\n"
	    "  --match-credential     replay tells credentials apart by fingerprint\n"
	    "  --replay-miss-status N status for an unrecorded request (default 501)\n"
	    "  --version              print the version and exit\n"
	    "  --help                 print this help and exit\n"
	    "\n"
	    "signals: SIGHUP reloads the fixtures; SIGINT/SIGTERM finish requests and exit.\n",
	    out);
}

/* Reads a whole decimal number within [min, max]. */
static int
config_number(const char *s, unsigned long long min, unsigned long long max,
              unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
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
	if (c->match_credential && c->replay == NULL) {
		snprintf(err, errlen, "--match-credential goes with --replay");
		return CONFIG_ERROR;
	}
	return CONFIG_OK;
}

/* The flags that take a value. */
static const char *const config_flags[] = {
    "--bind",
    "--port",
    "--threads",
    "--page-size",
    "--fixtures",
    "--cursor-secret",
    "--cursor-ttl",
    "--credentials",
    "--log-format",
    "--rate-limit",
    "--rate-limit-scope",
    "--scenario",
    "--seed",
    "--journal",
    "--admin-token",
    "--upstream",
    "--upstream-ca",
    "--upstream-timeout",
    "--record",
    "--redact",
    "--replay",
    "--replay-miss-status",
    "--request-timeout",
    "--max-client-connections",
};

static int
config_known(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(config_flags) / sizeof(config_flags[0]); i++)
		if (strcmp(name, config_flags[i]) == 0)
			return 1;
	return 0;
}

enum config_result
config_parse(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *val = NULL;
		const char *eq;
		char name[64];
		unsigned long long n;
		size_t namelen;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return CONFIG_HELP;
		if (strcmp(arg, "--version") == 0)
			return CONFIG_VERSION;
		if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
			c->quiet = 1;
			continue;
		}
		if (strcmp(arg, "--match-credential") == 0) {
			c->match_credential = 1;
			continue;
		}
		if (strncmp(arg, "--", 2) != 0) {
			snprintf(err, errlen, "unexpected argument '%s' (see --help)", arg);
			return CONFIG_ERROR;
		}
		eq = strchr(arg, '=');
		namelen = eq ? (size_t)(eq - arg) : strlen(arg);
		if (namelen >= sizeof(name)) {
			snprintf(err, errlen, "unknown option '%.40s...' (see --help)", arg);
			return CONFIG_ERROR;
		}
		memcpy(name, arg, namelen);
		name[namelen] = '\0';
		if (!config_known(name)) {
			snprintf(err, errlen, "unknown option '%s' (see --help)", name);
			return CONFIG_ERROR;
		}
		if (eq != NULL) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			snprintf(err, errlen, "%s needs a value (see --help)", name);
			return CONFIG_ERROR;
		}

		if (strcmp(name, "--bind") == 0) {
			if (val[0] == '\0') {
				snprintf(err, errlen, "--bind: needs an address");
				return CONFIG_ERROR;
			}
			c->bind = val;
		} else if (strcmp(name, "--port") == 0) {
			if (config_number(val, 0, 65535, &n) != 0) {
				snprintf(err, errlen, "--port: '%s' is not a port (0-65535)", val);
				return CONFIG_ERROR;
			}
			c->port = (unsigned)n;
		} else if (strcmp(name, "--threads") == 0) {
			if (config_number(val, 1, 256, &n) != 0) {
				snprintf(err, errlen,
				         "--threads: '%s' is not a number from 1 to 256", val);
				return CONFIG_ERROR;
			}
			c->threads = (unsigned)n;
		} else if (strcmp(name, "--page-size") == 0) {
			if (config_number(val, 1, CONFIG_MAX_PAGE_SIZE, &n) != 0) {
				snprintf(err, errlen,
				         "--page-size: '%s' is not a number from 1 to %d", val,
				         CONFIG_MAX_PAGE_SIZE);
				return CONFIG_ERROR;
			}
			c->page_size = (unsigned)n;
		} else if (strcmp(name, "--fixtures") == 0) {
			if (val[0] == '\0') {
				snprintf(err, errlen, "--fixtures: needs a file or directory");
				return CONFIG_ERROR;
			}
			c->fixtures = val;
		} else if (strcmp(name, "--cursor-secret") == 0) {
			if (val[0] == '\0') {
				snprintf(err, errlen, "--cursor-secret: must not be empty");
				return CONFIG_ERROR;
			}
			c->cursor_secret = val;
		} else if (strcmp(name, "--cursor-ttl") == 0) {
			if (config_number(val, 1, 366ULL * 24 * 3600, &n) != 0) {
				snprintf(
				    err, errlen,
				    "--cursor-ttl: '%s' is not a number of seconds (1 to 31622400)",
				    val);
				return CONFIG_ERROR;
			}
			c->cursor_ttl = (int64_t)n;
		} else if (strcmp(name, "--credentials") == 0) {
			if (val[0] == '\0') {
				snprintf(err, errlen, "--credentials: needs a file");
				return CONFIG_ERROR;
			}
			c->credentials = val;
		} else if (strcmp(name, "--log-format") == 0) {
			if (strcmp(val, "text") == 0) {
				c->log_format = CONFIG_LOG_TEXT;
			} else if (strcmp(val, "json") == 0) {
				c->log_format = CONFIG_LOG_JSON;
			} else {
				snprintf(err, errlen, "--log-format: '%s' is not text or json",
				         val);
				return CONFIG_ERROR;
			}
		} else if (strcmp(name, "--rate-limit") == 0) {
			struct ratelimit_config rc;
			char why[200];

			if (ratelimit_parse(val, &rc, why, sizeof(why)) != 0) {
				snprintf(err, errlen, "--rate-limit: %s", why);
				return CONFIG_ERROR;
			}
			c->rate_limit = strcmp(val, "off") == 0 ? NULL : val;
		} else if (strcmp(name, "--rate-limit-scope") == 0) {
			if (strcmp(val, "company") == 0) {
				c->rate_limit_per_credential = 0;
			} else if (strcmp(val, "credential") == 0) {
				c->rate_limit_per_credential = 1;
			} else {
				snprintf(err, errlen,
				         "--rate-limit-scope: '%s' is not company or credential",
				         val);
				return CONFIG_ERROR;
			}
		} else if (strcmp(name, "--scenario") == 0) {
			if (val[0] == '\0') {
				snprintf(err, errlen, "--scenario: needs a file");
				return CONFIG_ERROR;
			}
			c->scenario = val;
		} else if (strcmp(name, "--seed") == 0) {
			if (config_number(val, 0, UINT64_MAX, &n) != 0) {
				snprintf(err, errlen, "--seed: '%s' is not a whole number", val);
				return CONFIG_ERROR;
			}
			c->seed = (uint64_t)n;
		} else if (strcmp(name, "--request-timeout") == 0) {
			if (config_number(val, 0, 3600, &n) != 0) {
				snprintf(err, errlen,
				         "--request-timeout: '%s' is not a number of seconds (0 to "
				         "3600)",
				         val);
				return CONFIG_ERROR;
			}
			c->request_timeout = (unsigned)n;
		} else if (strcmp(name, "--max-client-connections") == 0) {
			if (config_number(val, 0, 1000000, &n) != 0) {
				snprintf(err, errlen,
				         "--max-client-connections: '%s' is not a number from 0 to "
				         "1000000",
				         val);
				return CONFIG_ERROR;
			}
			c->max_client_connections = (unsigned)n;
		} else if (strcmp(name, "--journal") == 0) {
			if (config_number(val, 0, CONFIG_MAX_JOURNAL, &n) != 0) {
				snprintf(err, errlen,
				         "--journal: '%s' is not a number from 0 to %d", val,
				         CONFIG_MAX_JOURNAL);
				return CONFIG_ERROR;
			}
			c->journal = (unsigned)n;
		} else if (strcmp(name, "--admin-token") == 0) {
			if (val[0] == '\0') {
				snprintf(err, errlen, "--admin-token: must not be empty");
				return CONFIG_ERROR;
			}
			c->admin_token = val;
		} else if (strcmp(name, "--upstream") == 0) {
			if (strncmp(val, "http://", 7) != 0 && strncmp(val, "https://", 8) != 0) {
				snprintf(err, errlen,
				         "--upstream: '%s' is not an http:// or https:// URL", val);
				return CONFIG_ERROR;
			}
			c->upstream = val;
		} else if (strcmp(name, "--upstream-ca") == 0) {
			if (val[0] == '\0') {
				snprintf(err, errlen, "--upstream-ca: needs a file");
				return CONFIG_ERROR;
			}
			c->upstream_ca = val;
		} else if (strcmp(name, "--upstream-timeout") == 0) {
			if (config_number(val, 1, 3600, &n) != 0) {
				snprintf(err, errlen,
				         "--upstream-timeout: '%s' is not a number of seconds (1 "
				         "to 3600)",
				         val);
				return CONFIG_ERROR;
			}
			c->upstream_timeout = (unsigned)n;
		} else if (strcmp(name, "--record") == 0) {
			if (val[0] == '\0') {
				snprintf(err, errlen, "--record: needs a file");
				return CONFIG_ERROR;
			}
			c->record = val;
		} else if (strcmp(name, "--redact") == 0) {
			if (!cassette_redactable(val)) {
				snprintf(err, errlen,
				         "--redact: '%s' is not a free-text field of a call "
				         "(title, url, "
				         "meetingUrl, customData, purpose, sdrDisposition, "
				         "clientUniqueId, "
				         "calendarEventId)",
				         val);
				return CONFIG_ERROR;
			}
			if (c->nredact == CONFIG_MAX_REDACT) {
				snprintf(err, errlen, "--redact: at most %d fields",
				         CONFIG_MAX_REDACT);
				return CONFIG_ERROR;
			}
			c->redact[c->nredact++] = val;
		} else if (strcmp(name, "--replay") == 0) {
			if (val[0] == '\0') {
				snprintf(err, errlen, "--replay: needs a cassette file");
				return CONFIG_ERROR;
			}
			c->replay = val;
		} else if (strcmp(name, "--replay-miss-status") == 0) {
			if (config_number(val, 400, 599, &n) != 0) {
				snprintf(
				    err, errlen,
				    "--replay-miss-status: '%s' is not a status from 400 to 599",
				    val);
				return CONFIG_ERROR;
			}
			c->replay_miss_status = (unsigned)n;
		}
	}
	return config_check(c, err, errlen);
}
