/*
 * proxy.h - forwarding API requests to the real Gong API: the only module that uses libcurl.
 *
 * Exchanges run on event loops (loop.h) through libcurl's multi interface, so a request
 * waiting for the upstream holds no thread. A request submitted on a loop's thread (a worker
 * of the HTTP layer in proxy mode) runs on that loop, start to finish, with a multi handle
 * and connection cache kept for that loop; one submitted from any other thread runs on the
 * proxy's own loop, on a thread of its own made on first use. Connections (and TLS sessions)
 * to the upstream are kept and reused across requests, at most PROXY_MAX_CONNECTIONS open per
 * loop; more requests wait for one within their timeout. TLS is verified (against the
 * system's CAs or the given CA file); gzip from the upstream is accepted and decoded.
 * Failures never hang or crash: they come back as a proxy_error with a sentence naming the
 * cause. Knows nothing of libmicrohttpd.
 */
#ifndef GONGMOCK_PROXY_H
#define GONGMOCK_PROXY_H

#include <stddef.h>
#include <stdint.h>

/* Largest upstream body read; past it the exchange fails with PROXY_BAD_ANSWER. */
#define PROXY_MAX_BODY (64 * 1024 * 1024)
#define PROXY_HEADER_MAX 256
/* Connections to the upstream open at once. */
#define PROXY_MAX_CONNECTIONS 256

struct proxy_options {
	const char *upstream; /* base URL: http(s)://host[:port][/prefix], no query */
	const char *ca_file;  /* NULL: the system's CAs */
	unsigned timeout_s;   /* whole exchange; default 30 when 0 */
};

enum proxy_error {
	PROXY_OK = 0,
	PROXY_CONNECT,    /* could not connect (refused, unreachable, name not resolved) */
	PROXY_TLS,        /* the TLS handshake or the certificate check failed */
	PROXY_TIMEOUT,    /* no complete answer within the timeout */
	PROXY_BAD_ANSWER, /* not HTTP, cut short, too large, or otherwise unusable */
	PROXY_STOPPED     /* not forwarded or cut off: the proxy is shutting down */
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

/* One request to forward. */
struct proxy_call {
	const char *method; /* NULL: GET */
	const char *path;   /* as the client wrote it */
	const char *query;  /* raw, as received; query_len bytes, no `?` when 0 */
	size_t query_len;
	const char *authorization; /* passed on untouched; NULL: none */
	const char *content_type;  /* of the body; NULL: none */
	const char *body;          /* sent when body_len > 0 */
	size_t body_len;
};

/*
 * Runs on the loop's thread that ran the exchange, once it is over: out is filled as
 * proxy_forward describes (out->error says whether an answer came back). It must not block
 * for long, since everything else on that loop waits for it, and must not call proxy_forward.
 */
typedef void proxy_done_fn(struct proxy_result *out, void *cls);

/*
 * Checks the options (the URL must be http:// or https:// with a host; the CA file must be
 * readable) and sets libcurl up. Returns the proxy, or NULL with the reason in err.
 */
struct proxy *proxy_create(const struct proxy_options *o, char *err, size_t errlen);

/*
 * Starts forwarding c; everything c points to is copied before the call returns, but the body,
 * which must stay valid until done has run. Returns 0, and done(out, cls) will run exactly
 * once, on the loop that runs the exchange (on a loop's thread, possibly before this returns);
 * or -1 when the exchange could not start (a method or header that would rewrite the
 * request, out of memory, shutting down): out is then filled with the failure and done is not
 * called. Either way free out with proxy_result_free. Safe from any thread.
 */
int proxy_submit(struct proxy *p, const struct proxy_call *c, struct proxy_result *out,
                 proxy_done_fn *done, void *cls);

/*
 * Sends `method` base+path?query (query raw, as received, query_len bytes; no `?` when 0) with
 * the Authorization value untouched (NULL: none), a request body when body_len > 0 (with
 * content_type), waits for the answer and fills *out. Returns 0 when an HTTP answer came back
 * (any status), or -1 with out->error and out->error_text set. Either way free out with
 * proxy_result_free. Safe from any thread that runs no loop.
 */
int proxy_forward(struct proxy *p, const char *method, const char *path, const char *query,
                  size_t query_len, const char *authorization, const char *content_type,
                  const char *body, size_t body_len, struct proxy_result *out);

/*
 * Ends every exchange in flight or waiting with PROXY_STOPPED (their done functions have run,
 * each on its loop, when it returns), closes the connections and stops the proxy's own
 * thread; later submissions fail at once with PROXY_STOPPED. Call it from a thread that runs
 * no loop, while the loops that ran exchanges still exist (running or not). The proxy stays
 * valid until proxy_free. Calling it again does nothing.
 */
void proxy_shutdown(struct proxy *p);

/* Shuts down (if not done yet) and frees the proxy. proxy_free(NULL) does nothing. */
void proxy_free(struct proxy *p);

void proxy_result_free(struct proxy_result *r);

#endif
