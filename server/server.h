/*
 * server.h - one running gongmock: its data, keys, credentials and HTTP server, put together
 * from a config. main() drives it from the command line and signals; tests start several in
 * one process.
 */
#ifndef GONGMOCK_SERVER_H
#define GONGMOCK_SERVER_H

#include <stddef.h>

#include "config.h"

struct server;

/*
 * Loads the fixtures (cfg->fixtures, or the built-in data), the credentials file if any, sets
 * up the cursor key, opens the cassette to record to, and starts listening. Returns the server,
 * or NULL with the reason in err and *exit_code set to 1 (data or file that cannot be loaded,
 * a --record path that cannot be written, address in use), before anything listens. A file a
 * flag names that cannot be opened is refused naming the flag ("--replay: cannot open F:
 * REASON"); a port in use is refused in the same words in every mode ("cannot listen on ADDR
 * port N: address already in use (another gongmock? --port picks another)"). Warnings about
 * cassettes (a dropped torn line, unsalted fingerprints, no exchange at all) are logged.
 * cfg must outlive the server.
 */
struct server *server_start(const struct config *cfg, char *err, size_t errlen, int *exit_code);

/* "mock", "proxy" or "replay". */
const char *server_mode(const struct server *s);

/*
 * Logs, once it listens, what it serves: the mode and where its answers come from (mock: the
 * calls and their file, or the built-in fixtures; proxy: the upstream, and the cassette it
 * records to; replay: the cassette and its exchanges), and the scenario loaded, if any.
 */
void server_announce(const struct server *s);

/* The port it listens on. */
unsigned server_port(const struct server *s);

/* The HTTPS port (the one picked, for --https-port 0), or 0 when it does not listen for
 * HTTPS. */
unsigned server_https_port(const struct server *s);

/* How long the last successful load of the fixtures took, in microseconds. */
long long server_load_us(const struct server *s);

/* Number of calls served now. */
size_t server_calls(const struct server *s);

/*
 * Loads the fixtures again and swaps them in. On failure the old data stays and err says why.
 * Returns 0 or -1. Call from one thread at a time.
 */
int server_reload(struct server *s, char *err, size_t errlen);

/*
 * Stops accepting, finishes in-flight requests (up to 10 s) and closes every connection; the
 * data stays until server_stop. Calling it again does nothing.
 */
void server_halt(struct server *s);

/* Halts (if not done yet) and frees. server_stop(NULL) does nothing. */
void server_stop(struct server *s);

#endif
