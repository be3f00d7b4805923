/*
 * log.h - the access log (one line per request on stderr) and the server's own messages.
 *
 * Each line goes out in one write(2), so lines from several threads never interleave and no
 * lock is taken. Nothing here ever writes a credential: callers pass only what may be shown.
 */
#ifndef GONGMOCK_LOG_H
#define GONGMOCK_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_format { LOG_TEXT, LOG_JSON };

/* What is written: each level writes its own lines and those of the levels before it. */
enum log_level {
	LOG_LEVEL_ERROR,   /* what stops or breaks something */
	LOG_LEVEL_WARNING, /* what the user should fix (a misspelt variable, a data mistake) */
	LOG_LEVEL_INFO,    /* start-up, reloads, shutdown */
	LOG_LEVEL_ACCESS   /* and one access-log line per request */
};

/* Set once at start-up, before any thread logs. quiet is LOG_LEVEL_WARNING. */
void log_setup(enum log_format format, int quiet);

/* The same, with the level: log_setup(f, q) is log_setup_level(f, q ? WARNING : ACCESS). */
void log_setup_level(enum log_format format, enum log_level level);

struct log_access {
	int64_t time_us; /* when the request arrived */
	const char *request_id;
	const char *method;
	const char *path;  /* as normalised */
	const char *query; /* raw query, may be "" */
	size_t query_len;
	unsigned status;
	size_t bytes; /* body bytes */
	int64_t duration_us;
	const char *source; /* "fixture", "error", ... */
	const char *extra;  /* optional `key=value` text (text format) or NULL */
	const char *body;   /* the request body, for the journal (never logged); NULL when none */
	size_t body_len;
};

/* One access-log line (at LOG_LEVEL_ACCESS only). */
void log_access(const struct log_access *a);

/*
 * A server message (start-up, reload, shutdown) at level "error", "warning" or "info",
 * written when the level set lets it through (any other level is written as "error").
 */
void log_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* CLOCK_REALTIME in microseconds. */
int64_t log_now_us(void);

#endif
