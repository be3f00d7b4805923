/*
 * harness.h - what the tests share: a gongmock started in this process on a free port, a
 * libcurl client that returns status, headers and body of one exchange, raw TCP upstreams
 * that answer with garbage, cut answers short or stall, the built binary as a child process,
 * and the small things every test program needs (temporary files, clocks, the runner).
 * It knows no module's internals beyond starting a server.
 */
#ifndef GONGMOCK_HARNESS_H
#define GONGMOCK_HARNESS_H

#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "server.h"

struct harness_server {
	struct config cfg;
	struct server *srv;
	unsigned port;
	char base[64]; /* http://127.0.0.1:PORT */
	/* Copies of the flags, which the config points into, alive as long as the server, as
	 * argv is for the program: a test's flags may be its own locals. */
	char *flags[64];
	size_t nflags;
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

/*
 * Runs cmd with sh; its standard output (cut at outlen - 1, NUL-terminated) in out. Returns its
 * exit status, or -1 when it did not exit normally. Redirect stderr in cmd to see it too.
 */
int harness_sh(const char *cmd, char *out, size_t outlen);

/* A temporary file holding `text`; returns its path in buf (caller unlinks). */
void harness_temp_file(const char *text, const char *suffix, char *buf, size_t buflen);

/*
 * The whole file at `path` (relative to the repository root, where the tests run),
 * NUL-terminated; *len its length when len is not NULL. The caller frees it. Fails the test,
 * naming the file, when it cannot be read.
 */
char *harness_read_file(const char *path, size_t *len);

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

/* How long a raw server waits for its client at each step before it gives up on it. */
#define HARNESS_RAW_WAIT_MS 5000

/*
 * What a raw server does with each connection: once the request head has come it sends
 * `reply`, then `fill` bytes of 'x', then keeps the connection open until the client closes
 * it or hold_ms pass, and closes. After `conns` connections it takes no more; later ones wait
 * unanswered until the server is stopped.
 */
struct harness_raw_options {
	const char *reply; /* NULL or "": nothing */
	size_t fill;
	int hold_ms;    /* 0: close at once */
	unsigned conns; /* 0: one */
};

/*
 * A TCP listener on 127.0.0.1 that speaks no HTTP of its own, for upstreams that answer with
 * garbage, cut an answer short or stall. On a thread of its own it takes the connections one
 * at a time and reads each request head up to the blank line, waiting at most
 * HARNESS_RAW_WAIT_MS for each read, before it answers as the options say. Tests read port,
 * base and, once the server is stopped, request; the rest is the server's.
 */
struct harness_raw_server {
	struct harness_raw_options opt;
	int fd; /* the listening socket */
	unsigned port;
	char base[64]; /* http://127.0.0.1:PORT */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int request_done;   /* the first request head has come, whole or not */
	char request[4096]; /* the first request head, NUL-terminated */
	size_t request_len;
};

/* Starts a raw server on a free port with a copy of *o. Aborts the test on failure. */
void harness_raw_start(struct harness_raw_server *s, const struct harness_raw_options *o);

/*
 * Stops taking connections, waits for the one in hand to end as its options say, and frees
 * what the server holds. request and request_len stay readable.
 */
void harness_raw_stop(struct harness_raw_server *s);

/*
 * Waits up to ms for the server to be done reading the first request head (the blank line
 * came, or the client closed or went quiet), then copies what came into buf (NUL-terminated,
 * cut to buflen). Returns 0 when it was done, -1 when ms passed first. Safe while the server
 * runs.
 */
int harness_raw_request(struct harness_raw_server *s, char *buf, size_t buflen, int ms);

/*
 * A port on 127.0.0.1 that nothing listens on: bound, noted and closed again, so connecting
 * to it is refused. Aborts the test on failure.
 */
unsigned harness_closed_port(void);

/* This process's resident memory in KB (VmRSS), or -1. */
long harness_rss_kb(void);

/* The monotonic clock in microseconds, and in milliseconds. */
int64_t harness_mono_us(void);
long harness_mono_ms(void);

/* Sleeps ms milliseconds, through signals. */
void harness_sleep_ms(long ms);

/*
 * Runs a suite with libcurl set up and check's summary printed; returns the exit code for
 * main (0: all passed).
 */
int harness_run(Suite *s);

/* A child process running the built binary (TEST_GONGMOCK_BIN, default build/gongmock). */
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
