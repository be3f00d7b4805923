/*
 * http.h - the HTTP server: the only module that includes libmicrohttpd.
 *
 * It turns each request into a struct request, calls the handler once the whole request is
 * in, and sends the struct response it fills: headers, then the body pieces straight from
 * where they lie (writev), then logs one access line. Requests run on libmicrohttpd's own
 * epoll threads, or with loops on one event loop per thread, each with a daemon of its own;
 * either way the handler must be safe to call from several threads at once.
 *
 * A response may ask to be held back (delay_ms) or broken (reset, empty, truncate, slow):
 * held answers suspend their connection and a timer thread resumes it, so a thousand delayed
 * requests hold no worker thread. A handler may also defer its answer (response.defer): the
 * connection waits, suspended, until the deferred work resumes it.
 */
#ifndef GONGMOCK_HTTP_H
#define GONGMOCK_HTTP_H

#include <stddef.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "request.h"
#include "response.h"

/* Largest request body read; past it the request gets a 413. */
#define HTTP_MAX_BODY (1024 * 1024)

struct log_access;

/* What a CONNECT to host:port gets (see struct http_tls). */
enum http_connect {
	HTTP_CONNECT_INTERCEPT, /* answered here: TLS with a certificate for host, then served */
	HTTP_CONNECT_TUNNEL,    /* let through: bytes copied to host:port and back, unread */
	HTTP_CONNECT_REFUSE     /* a 403 that says why */
};

/*
 * TLS. A TLS daemon beside the plain one takes the connections a CONNECT tunnel hands over
 * (the client's TLS inside the tunnel is answered here, and what comes through is served as
 * any request), and listens on a port of its own when `listen` is set.
 */
struct http_tls {
	int listen;    /* also accept HTTPS on `port` */
	unsigned port; /* 0: any free port */
	/* The certificate chain for a handshake (it reads the client's SNI from the session).
	 * Called on the TLS daemon's threads. */
	gnutls_certificate_retrieve_function2 *retrieve;
	/* What a CONNECT to host:port gets; why (for the 403) is filled when refused. Called on
	 * the plain daemon's threads. */
	enum http_connect (*connect)(const char *host, unsigned port, void *cls, char *why,
	                             size_t whylen);
	void *connect_cls;
};

struct http_options {
	const char *bind; /* numeric address or host name */
	unsigned port;    /* 0: any free port */
	unsigned threads; /* 0: one per core */
	/* Each thread runs an event loop (loop.h) that deferred work may use, so a handler's
	 * deferred answer can be filled on the very thread that took the request (proxy mode).
	 * 0: libmicrohttpd's own thread pool. */
	int loops;
	/* Seconds for a request to arrive whole (line, headers and body) once its connection
	 * opens; the connection is closed past it. 0: no deadline. */
	unsigned request_timeout;
	/* Connections open at once from one client address; more are refused. 0: no cap. */
	unsigned max_client_connections;
	/* NULL: plain HTTP only, and a CONNECT is refused. */
	const struct http_tls *tls;
	/* Bodies gzipped for clients whose Accept-Encoding takes it, as Gong's API does. */
	int gzip;
	/* CORS for browser clients: preflights answered, Access-Control-Allow-Origin sent. */
	int cors;
	/* Called after each answer with what the access log shows (NULL: nothing). */
	void (*observe)(const struct log_access *a, void *cls);
	void *observe_cls;
};

struct http;

/* Fills r for req; r is initialised and r->request_id already set. */
typedef void http_handler_fn(const struct request *req, struct response *r, void *cls);

/*
 * Binds and starts serving. Returns the server, or NULL with the reason in err (address in
 * use, bad address, ...).
 */
struct http *http_start(const struct http_options *o, http_handler_fn *handler, void *cls,
                        char *err, size_t errlen);

/* The port it listens on (the one picked, for port 0). */
unsigned http_port(const struct http *h);

/* The HTTPS port (the one picked, for port 0), or 0 when it does not listen for HTTPS. */
unsigned http_https_port(const struct http *h);

/*
 * Stops accepting and lets requests in flight finish, waiting up to `grace_ms`; connections
 * stay open (a deferred answer can still go out) until http_stop. Calling it again does
 * nothing.
 */
void http_drain(struct http *h, unsigned grace_ms);

/*
 * Drains (if not done yet), closes every connection and frees h. Every deferred answer must
 * have been resumed first: whatever fills them must be stopped between http_drain and this.
 * http_stop(NULL) does nothing.
 */
void http_stop(struct http *h, unsigned grace_ms);

#endif
