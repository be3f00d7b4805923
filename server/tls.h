/*
 * tls.h - the server's side of TLS: the certificate chain each handshake gets, and what a
 * client's CONNECT may reach.
 *
 * A chain comes from the user's own certificate and key (--tls-cert, --tls-key), or from
 * gongmock's own CA (ca.h), opened in its directory the first time a chain is needed: at
 * start-up when gongmock listens for HTTPS, at the first intercepted CONNECT otherwise, so a
 * server that never speaks TLS never writes a CA. A CONNECT is intercepted when its host is
 * one of the intercepted names (Gong's API hosts by default); any other is refused, saying
 * why.
 *
 * One setup per process: libmicrohttpd's certificate callback takes no argument of ours.
 * tls_setup and tls_teardown run on the main thread while no handshake is under way; the
 * other functions may be called from any thread.
 */
#ifndef GONGMOCK_TLS_H
#define GONGMOCK_TLS_H

#include <stddef.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "http.h"

/* The hosts intercepted when none are given: Gong's API host and its regional hosts. */
#define TLS_DEFAULT_INTERCEPT "api.gong.io", "*.api.gong.io"
#define TLS_MAX_INTERCEPT 32

struct tls_config {
	const char *ca_dir;    /* NULL: ca_default_dir() */
	const char *cert_file; /* with key_file: the user's chain instead of the CA */
	const char *key_file;
	const char *const *intercept; /* host patterns ("*.x" is any name under x); NULL: the
	                                 default */
	size_t nintercept;
	const char *const *tunnel; /* hosts let through unread (patterns; "*": any) */
	size_t ntunnel;
};

/*
 * Keeps the configuration; with `now`, opens the chain's source at once (the CA, or the
 * user's files) so that a mistake stops the start-up. 0, or -1 with the reason in err.
 */
int tls_setup(const struct tls_config *c, int now, char *err, size_t errlen);

/* Closes what tls_setup opened. */
void tls_teardown(void);

/* The certificate callback for libmicrohttpd: the chain for the session's SNI. */
int tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                 const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                 gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *privkey);

/*
 * What a CONNECT to host:port gets: HTTP_CONNECT_INTERCEPT when host is intercepted (opening
 * the CA first if it is not yet: a CA that cannot be made refuses the CONNECT, saying why);
 * else HTTP_CONNECT_TUNNEL when it is one of the tunnelled hosts; else HTTP_CONNECT_REFUSE,
 * with why saying which hosts are intercepted and how to add one.
 */
enum http_connect tls_connect(const char *host, unsigned port, void *cls, char *why, size_t whylen);

/*
 * 1 when host matches pattern: equal ignoring case (a trailing dot aside), pattern "*.d" and
 * host ends in ".d", or pattern "*".
 */
int tls_host_matches(const char *pattern, const char *host);

/*
 * `gongmock ca [--ca-dir DIR] [--pem]`: argv[0] is "ca". Opens (making it when missing) the CA
 * and prints its certificate's path, or with --pem the certificate itself. Returns the exit
 * code: 0, 1 when the CA cannot be opened, 2 for a bad option.
 */
int tls_ca_main(int argc, char **argv, char *const *envp);

#endif
