/*
 * config.h - the command line of `gongmock` (serve mode): flags, defaults and checks.
 *
 * Parsing only: nothing here opens a file or a socket. A parsed config is read-only afterwards.
 */
#ifndef GONGMOCK_CONFIG_H
#define GONGMOCK_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_ENV_PREFIX "GONGMOCK_"
#define CONFIG_DEFAULT_BIND "127.0.0.1"
#define CONFIG_DEFAULT_PORT 8080
#define CONFIG_DEFAULT_PAGE_SIZE 100
#define CONFIG_DEFAULT_CURSOR_TTL 3600
#define CONFIG_MAX_PAGE_SIZE 10000
#define CONFIG_DEFAULT_JOURNAL 1000
#define CONFIG_MAX_JOURNAL 1000000
#define CONFIG_DEFAULT_UPSTREAM_TIMEOUT 30
#define CONFIG_MAX_REDACT 32
#define CONFIG_DEFAULT_REQUEST_TIMEOUT 10
#define CONFIG_DEFAULT_MAX_CLIENT_CONNECTIONS 2048
#define CONFIG_MAX_INTERCEPT 32

enum config_log_format { CONFIG_LOG_TEXT, CONFIG_LOG_JSON };

struct config {
	const char *bind;                /* address to listen on */
	unsigned port;                   /* 0: any free port */
	unsigned threads;                /* worker threads; 0: one per core */
	unsigned request_timeout;        /* seconds for a request to arrive whole; 0: none */
	unsigned max_client_connections; /* per client address; 0: no cap */
	unsigned page_size;
	const char *fixtures;      /* NULL: the built-in dataset */
	const char *cursor_secret; /* NULL: a random key per process */
	int64_t cursor_ttl;        /* seconds */
	const char *credentials;   /* NULL: any well-formed credential */
	enum config_log_format log_format;
	int quiet;              /* warnings and errors only: --log-level warning */
	int log_level;          /* enum log_level: error, warning, info, access (the default) */
	int strict;             /* refuse what Gong tolerates but shows a client bug */
	const char *rate_limit; /* --rate-limit spec (checked by ratelimit_parse); NULL: off */
	int rate_limit_per_credential;         /* --rate-limit-scope credential */
	const char *scenario;                  /* fault rules loaded at start-up */
	uint64_t seed;                         /* for fault probabilities and delay ranges */
	unsigned journal;                      /* requests kept for GET /__admin/requests */
	const char *admin_token;               /* NULL: control API for loopback clients only */
	const char *upstream;                  /* proxy mode: the real API's base URL */
	const char *upstream_ca;               /* CA file for the upstream's certificate */
	unsigned upstream_timeout;             /* seconds */
	const char *record;                    /* cassette to append exchanges to (with upstream) */
	const char *redact[CONFIG_MAX_REDACT]; /* call fields blanked in recordings */
	size_t nredact;
	const char *replay;          /* replay mode: the cassette to serve */
	int match_credential;        /* replay matches the credential fingerprint too */
	int mock;                    /* with upstream or replay: emulated operations served here */
	int cors;                    /* answer CORS preflights, allow any origin */
	int gzip;                    /* gzip for clients that ask (default 1) */
	unsigned replay_miss_status; /* status of an unmatched request in replay mode */
	int https_port;              /* -1: no HTTPS listener; 0: any free port */
	const char *tls_cert;        /* the user's certificate chain (with tls_key) */
	const char *tls_key;
	const char *ca_dir;                          /* NULL: the per-user default */
	const char *intercept[CONFIG_MAX_INTERCEPT]; /* CONNECT hosts answered; none: Gong's */
	size_t nintercept;
	const char *tunnel[CONFIG_MAX_INTERCEPT]; /* CONNECT hosts let through unread */
	size_t ntunnel;
	char *env_hold; /* list values read from the environment (config_release) */
};

enum config_result {
	CONFIG_OK = 0,
	CONFIG_HELP,    /* --help: usage printed, exit 0 */
	CONFIG_VERSION, /* --version printed, exit 0 */
	CONFIG_ERROR    /* the reason is in err: exit 2 */
};

/* Sets every default. */
void config_defaults(struct config *c);

/*
 * Parses argv (argv[0] is the program). Flags take their value as the next argument or after
 * `=`. Strings point into argv. Combinations are checked too (--record needs --upstream,
 * --upstream and --replay exclude each other, ...). On CONFIG_ERROR, err says which flag and
 * why.
 */
__attribute__((warn_unused_result)) enum config_result
config_parse(struct config *c, int argc, char **argv, char *err, size_t errlen);

/*
 * config_parse, then the environment envp (an `environ`-style array, NULL for none): every flag
 * the command line does not give may come from its variable, GONGMOCK_ and the flag's name in
 * capitals with '-' as '_' (--rate-limit: GONGMOCK_RATE_LIMIT); an empty one is unset; an error
 * names the variable. Strings point into argv and envp, and into a block config_release frees.
 */
__attribute__((warn_unused_result)) enum config_result config_parse_env(struct config *c, int argc,
                                                                        char **argv,
                                                                        char *const *envp,
                                                                        char *err, size_t errlen);

/*
 * The next entry of envp at or after *from ("NAME=value") whose name starts with GONGMOCK_ but
 * is no flag's variable (a misspelling, most likely), or NULL; *from moves past it.
 */
const char *config_env_unknown(char *const *envp, size_t *from);

/* Frees what parsing the environment kept; the config's list strings from it go with it. */
void config_release(struct config *c);

/* Prints the usage text. */
void config_usage(FILE *out);

#endif
