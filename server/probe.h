/*
 * probe.h - `gongmock health`: asks a running gongmock for GET /__admin/health and says
 * whether it answered 200, for container health checks and scripts that wait for start-up,
 * with nothing but the binary (no curl in the image).
 *
 * Plain POSIX sockets, one request, bounded in time. Knows nothing of the server's modules.
 */
#ifndef GONGMOCK_PROBE_H
#define GONGMOCK_PROBE_H

#include <stddef.h>

/* The longest the whole probe (connect, send, answer) may take. */
#define PROBE_TIMEOUT_MS 2000
/* The probe's User-Agent: the server keeps its requests out of the access log. */
#define PROBE_USER_AGENT "gongmock-health"

/*
 * Asks the server listening on bind:port (an address of any interface, 0.0.0.0 or ::, is
 * asked on its loopback) for its health. Returns 0 when it answers 200, with the body (cut to
 * bodylen - 1, NUL-terminated) in body; -1 with the reason in err when it cannot be reached,
 * takes too long, or answers anything else.
 */
__attribute__((warn_unused_result)) int probe_health(const char *bind, unsigned port, char *body,
                                                     size_t bodylen, char *err, size_t errlen);

/*
 * `gongmock health [options]`: argv[0] is "health"; the options and environment are those of
 * serve mode (so that the probe asks where the server listens: --bind, --port, or their
 * GONGMOCK_ variables). Prints the health JSON and returns 0 when healthy; prints the reason
 * on stderr and returns 1 otherwise, 2 for a bad option.
 */
int probe_main(int argc, char **argv, char *const *envp);

#endif
