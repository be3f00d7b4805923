/*
 * harness.h - what the integration tests share: a gongmock started in this process on a free
 * port, and a libcurl client that returns status, headers and body of one exchange.
 */
#ifndef GONGMOCK_HARNESS_H
#define GONGMOCK_HARNESS_H

#include <check.h>
#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "server.h"

struct harness_server {
	struct config cfg;
	struct server *srv;
	unsigned port;
	char base[64]; /* http://127.0.0.1:PORT */
};

/*
 * Starts a quiet server on 127.0.0.1, port 0, with the given extra flags (NULL-terminated
 * argv-style list after the program name; NULL for none). Aborts the test on failure.
 */
void harness_start(struct harness_server *h, const char *const *flags);
void harness_stop(struct harness_server *h);

struct harness_reply {
	long status;
	char *headers; /* raw header block, NUL-terminated */
	char *body;    /* NUL-terminated */
	size_t body_len;
	int curl_code; /* CURLcode of the transfer; 0 when it completed */
	json_t *json;  /* body parsed, or NULL */
};

/*
 * Sends `method` to base + target (target begins with '/'), with an optional Authorization
 * value (NULL: none) and optional extra header lines (NULL-terminated, "Name: value").
 * A NULL method means GET. Fills *out; free with harness_reply_free.
 */
void harness_request(const struct harness_server *h, const char *method, const char *target,
                     const char *authorization, const char *const *extra_headers, const char *body,
                     struct harness_reply *out);

/* GET with Basic k:s. */
void harness_get(const struct harness_server *h, const char *target, struct harness_reply *out);

/* The value of a response header (case-insensitive), copied into buf; NULL when absent. */
const char *harness_header(const struct harness_reply *r, const char *name, char *buf,
                           size_t buflen);

void harness_reply_free(struct harness_reply *r);

/* A temporary file holding `text`; returns its path in buf (caller unlinks). */
void harness_temp_file(const char *text, const char *suffix, char *buf, size_t buflen);

/* Percent-encodes s for a query value into buf. */
void harness_escape(const char *s, char *buf, size_t buflen);

/*
 * A raw TCP connection to 127.0.0.1:port from the source address `from` (NULL: any), for
 * requests no HTTP client would send. Returns the socket, or -1 when the connection failed.
 */
int harness_raw_connect(unsigned port, const char *from);

/*
 * Sends len bytes on fd (all, or as many as the peer takes), then reads until the peer
 * closes, `ms` pass or `max` bytes came. Returns what came, NUL-terminated (caller frees);
 * *got its length. A peer that closed at once gives an empty string.
 */
char *harness_raw_exchange(int fd, const char *data, size_t len, int ms, size_t max, size_t *got);

/* 1 when the peer closed fd (or reset it) within ms, 0 while it is still open. */
int harness_raw_closed(int fd, int ms);

/* This process's resident memory in KB (VmRSS), or -1. */
long harness_rss_kb(void);

/* Runs a suite with libcurl set up; returns the exit code for main (0: all passed). */
int harness_run(Suite *s);

/* A child process running the built binary (GONGMOCK_BIN, default build/gongmock). */
struct harness_proc {
	pid_t pid;
	int out; /* read end of its stdout */
	int err; /* read end of its stderr */
};

/* Spawns the binary with args (NULL-terminated, without the program name). */
void harness_spawn(struct harness_proc *p, const char *const *args);

/* Reads fd until EOF, `ms` pass, or stop_at appears; returns what came (caller frees). */
char *harness_read_until(int fd, int ms, const char *stop_at);

/* Waits up to ms for the exit; returns the exit code (128+signal), or -1 after a SIGKILL. */
int harness_wait(struct harness_proc *p, int ms);

#endif
