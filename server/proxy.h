/*
 * proxy.h - forwarding API requests to the real Gong API: the only module that uses libcurl.
 *
 * Each worker thread keeps its own libcurl handle, so connections to the upstream are reused
 * from one request to the next without a lock. TLS is verified (against the system's CAs or
 * the given CA file); gzip from the upstream is accepted and decoded. Failures never hang or
 * crash: they come back as a proxy_error with a sentence naming the cause. Knows nothing of
 * libmicrohttpd.
 */
#ifndef GONGMOCK_PROXY_H
#define GONGMOCK_PROXY_H

#include <stddef.h>
#include <stdint.h>

/* Largest upstream body read; past it the exchange fails with PROXY_BAD_ANSWER. */
#define PROXY_MAX_BODY (64 * 1024 * 1024)
#define PROXY_HEADER_MAX 256

struct proxy_options {
	const char *upstream; /* base URL: http(s)://host[:port][/prefix], no query */
	const char *ca_file;  /* NULL: the system's CAs */
	unsigned timeout_s;   /* whole exchange; default 30 when 0 */
};

enum proxy_error {
	PROXY_OK = 0,
	PROXY_CONNECT,   /* could not connect (refused, unreachable, name not resolved) */
	PROXY_TLS,       /* the TLS handshake or the certificate check failed */
	PROXY_TIMEOUT,   /* no complete answer within the timeout */
	PROXY_BAD_ANSWER /* not HTTP, cut short, too large, or otherwise unusable */
};

struct proxy_result {
	enum proxy_error error;
	char error_text[256]; /* when error != PROXY_OK: what happened, for the errors list */
	unsigned status;      /* upstream status */
	char *body;           /* malloc'd, decoded, NUL-terminated (also when empty) */
	size_t body_len;
	/* The headers a client relies on (Gong's 401 and 405 carry the last two), "" when the
	 * upstream sent none. */
	char content_type[PROXY_HEADER_MAX];
	char retry_after[PROXY_HEADER_MAX];
	char traceid[PROXY_HEADER_MAX];
	char www_authenticate[PROXY_HEADER_MAX];
	char allow[PROXY_HEADER_MAX];
	char request_id[PROXY_HEADER_MAX]; /* x-traceid, else the body's requestId, else "" */
	int64_t latency_us;
};

struct proxy;

/*
 * Checks the options (the URL must be http:// or https:// with a host; the CA file must be
 * readable) and sets libcurl up. Returns the proxy, or NULL with the reason in err.
 */
struct proxy *proxy_create(const struct proxy_options *o, char *err, size_t errlen);

/* Frees the proxy; no request may be in flight. proxy_free(NULL) does nothing. */
void proxy_free(struct proxy *p);

/*
 * Sends `method` base+path?query (query raw, as received, query_len bytes; no `?` when 0) with
 * the Authorization value untouched (NULL: none), a request body when body_len > 0 (with
 * content_type), and fills *out. Returns 0 when an HTTP answer came back (any status), or -1
 * with out->error and out->error_text set. Either way free out with proxy_result_free.
 * Safe from any thread.
 */
int proxy_forward(struct proxy *p, const char *method, const char *path, const char *query,
                  size_t query_len, const char *authorization, const char *content_type,
                  const char *body, size_t body_len, struct proxy_result *out);

void proxy_result_free(struct proxy_result *r);

#endif
