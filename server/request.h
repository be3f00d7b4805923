/*
 * request.h - a request as the handlers see it: plain data, no libmicrohttpd.
 *
 * The HTTP layer fills one per request; handlers read it through a const pointer, so they can
 * be driven by unit tests without a socket.
 */
#ifndef GONGMOCK_REQUEST_H
#define GONGMOCK_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "reqid.h"

struct request {
	const char *method;
	const char *target; /* the request target as sent: path, `?`, query; may be absolute-form */
	const char *path;   /* normalised by request_normalise: starts with one `/`, no query */
	const char *query;  /* raw query after `?`, not decoded; "" when none */
	size_t query_len;
	const char *body; /* NULL when none */
	size_t body_len;
	char request_id[REQID_MAX + 1]; /* fresh for every request */
	int64_t start_us;               /* when it arrived, CLOCK_REALTIME microseconds */
	int remote_loopback;            /* the client connected from 127.0.0.0/8 or ::1 */
	/* Header lookup (case-insensitive name); NULL when absent. */
	const char *(*header)(const struct request *r, const char *name);
	void *header_cls; /* for the HTTP layer's lookup */
};

/*
 * Splits `target` into a normalised path and the raw query. The absolute form
 * (`http://host/v2/calls?...`, `https://...`) loses its scheme and authority; runs of `/`
 * fold to one and a trailing `/` goes (but for the root). Writes the path into path_buf
 * (NUL-terminated) and points *query at the text after the first `?` in target. Returns 0, or -1
 * when the path does not fit in path_len.
 */
int request_normalise(const char *target, char *path_buf, size_t path_len, const char **query,
                      size_t *query_len);

/*
 * The path half of request_normalise, and the one place paths are folded: writes the
 * normalised path of `target` (which may be a bare path, with or without a query) into
 * path_buf. Returns 0, or -1 when it does not fit in path_len; strlen(target) + 2 always
 * fits. For anything that must match what the router sees, such as a fault rule's path.
 */
int request_normalise_path(const char *target, char *path_buf, size_t path_len);

/*
 * The path as the client sent it (runs of `/` and a trailing `/` kept), without the scheme and
 * authority of the absolute form and without the query: what a proxy forwards. Sets *path to
 * its start inside target and returns its length (0 for an empty path).
 */
size_t request_raw_path(const char *target, const char **path);

/*
 * The authority of a CONNECT target, "host:port" or "[v6]:port": the host (without brackets)
 * into host, the port (1 to 65535) into *port. Returns 0, or -1 when the target is not of that
 * form or the host does not fit in hostlen.
 */
int request_connect_target(const char *target, char *host, size_t hostlen, unsigned *port);

/* The value of header `name`, or NULL (a request without a lookup function has none). */
const char *request_header(const struct request *r, const char *name);

#endif
