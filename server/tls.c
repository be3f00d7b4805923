/*
 * tls.c - certificates for handshakes, and the CONNECT policy.
 *
 * libmicrohttpd asks for a certificate through a GnuTLS callback without an argument of ours,
 * so the chain's source is this file's own state: set up once on the main thread, opened at
 * most once (under a mutex, the first time a chain is needed), read by every TLS thread after.
 * The CA is opened lazily because making one writes a key into the user's home: a server that
 * is never asked to speak TLS should not leave one behind.
 */
#include "tls.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ca.h"
#include "flags.h"
#include "log.h"

static pthread_mutex_t tls_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ca *tls_ca;     /* opened: read without the lock after */
static char tls_ca_dir[1024]; /* "" until set up */
static char tls_cert_file[1024], tls_key_file[1024];
static char tls_intercept[TLS_MAX_INTERCEPT][256];
static size_t tls_nintercept;
static char tls_tunnel[TLS_MAX_INTERCEPT][256];
static size_t tls_ntunnel;
static char tls_open_error[512]; /* why the last attempt to open failed */

int
tls_host_matches(const char *pattern, const char *host)
{
	size_t pl = strlen(pattern), hl = strlen(host);

	if (hl > 0 && host[hl - 1] == '.')
		hl--;
	if (strcmp(pattern, "*") == 0)
		return hl > 0;
	if (pl > 2 && pattern[0] == '*' && pattern[1] == '.')
		return hl > pl - 1 && strncasecmp(host + hl - (pl - 1), pattern + 1, pl - 1) == 0;
	return pl == hl && strncasecmp(pattern, host, hl) == 0;
}

/* Opens the chain's source if it is not yet; 0, or -1 with the reason in err. */
static int
tls_open(char *err, size_t errlen)
{
	struct ca *ca;
	int created = 0;

	pthread_mutex_lock(&tls_lock);
	if (tls_ca != NULL) {
		pthread_mutex_unlock(&tls_lock);
		return 0;
	}
	if (tls_cert_file[0] != '\0')
		ca = ca_open_files(tls_cert_file, tls_key_file, err, errlen);
	else
		ca = ca_open(tls_ca_dir, &created, err, errlen);
	if (ca == NULL) {
		snprintf(tls_open_error, sizeof(tls_open_error), "%s", err);
		pthread_mutex_unlock(&tls_lock);
		return -1;
	}
	if (created)
		log_msg("info",
		        "made a CA for HTTPS in %s: trust %s once (gongmock ca prints its path)",
		        tls_ca_dir, ca_cert_path(ca));
	tls_ca = ca;
	pthread_mutex_unlock(&tls_lock);
	return 0;
}

int
tls_setup(const struct tls_config *c, int now, char *err, size_t errlen)
{
	static const char *const defaults[] = {TLS_DEFAULT_INTERCEPT};
	const char *const *names = c->intercept != NULL ? c->intercept : defaults;
	size_t n = c->intercept != NULL ? c->nintercept : sizeof(defaults) / sizeof(defaults[0]);
	size_t i;

	if (n > TLS_MAX_INTERCEPT || c->ntunnel > TLS_MAX_INTERCEPT) {
		snprintf(err, errlen, "at most %d intercepted or tunnelled hosts",
		         TLS_MAX_INTERCEPT);
		return -1;
	}
	if ((c->cert_file == NULL) != (c->key_file == NULL)) {
		snprintf(err, errlen, "--tls-cert and --tls-key go together");
		return -1;
	}
	tls_cert_file[0] = tls_key_file[0] = '\0';
	if (c->cert_file != NULL) {
		snprintf(tls_cert_file, sizeof(tls_cert_file), "%s", c->cert_file);
		snprintf(tls_key_file, sizeof(tls_key_file), "%s", c->key_file);
	}
	if (c->ca_dir != NULL)
		snprintf(tls_ca_dir, sizeof(tls_ca_dir), "%s", c->ca_dir);
	else if (ca_default_dir(tls_ca_dir, sizeof(tls_ca_dir)) != 0) {
		snprintf(err, errlen, "no room for the CA directory's name");
		return -1;
	}
	for (i = 0; i < n; i++)
		snprintf(tls_intercept[i], sizeof(tls_intercept[i]), "%s", names[i]);
	tls_nintercept = n;
	for (i = 0; i < c->ntunnel; i++)
		snprintf(tls_tunnel[i], sizeof(tls_tunnel[i]), "%s", c->tunnel[i]);
	tls_ntunnel = c->ntunnel;
	tls_open_error[0] = '\0';
	return now ? tls_open(err, errlen) : 0;
}

void
tls_teardown(void)
{
	pthread_mutex_lock(&tls_lock);
	ca_free(tls_ca);
	tls_ca = NULL;
	pthread_mutex_unlock(&tls_lock);
}

int
tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
             const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
             unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
	char name[256], err[256];
	size_t len = sizeof(name) - 1;
	unsigned type = 0;
	const char *sni = NULL;

	(void)req_ca_rdn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	if (tls_open(err, sizeof(err)) != 0) {
		log_msg("error", "TLS handshake refused: %s", err);
		return -1;
	}
	if (gnutls_server_name_get(session, name, &len, &type, 0) == GNUTLS_E_SUCCESS &&
	    type == GNUTLS_NAME_DNS) {
		name[len < sizeof(name) ? len : sizeof(name) - 1] = '\0';
		sni = name;
	}
	if (ca_chain(tls_ca, sni, pcert, pcert_length, privkey, err, sizeof(err)) != 0) {
		log_msg("error", "TLS handshake refused: %s", err);
		return -1;
	}
	return 0;
}

enum http_connect
tls_connect(const char *host, unsigned port, void *cls, char *why, size_t whylen)
{
	size_t i, used = 0;
	char err[512];

	(void)cls;
	for (i = 0; i < tls_nintercept; i++)
		if (tls_host_matches(tls_intercept[i], host))
			break;
	if (i < tls_nintercept) {
		if (tls_open(err, sizeof(err)) == 0)
			return HTTP_CONNECT_INTERCEPT;
		snprintf(why, whylen, "gongmock cannot answer TLS for %s: %s (see --ca-dir)", host,
		         err);
		return HTTP_CONNECT_REFUSE;
	}
	for (i = 0; i < tls_ntunnel; i++)
		if (tls_host_matches(tls_tunnel[i], host))
			return HTTP_CONNECT_TUNNEL;
	used = (size_t)snprintf(why, whylen,
	                        "gongmock answers CONNECT for its intercepted hosts only (");
	for (i = 0; i < tls_nintercept && used < whylen; i++)
		used += (size_t)snprintf(why + used, whylen - used, "%s%s", i > 0 ? ", " : "",
		                         tls_intercept[i]);
	if (used < whylen)
		snprintf(why + used, whylen - used,
		         "); %.200s:%u is not one of them: --intercept answers it here, --tunnel "
		         "lets it through unread, NO_PROXY sends that client around gongmock",
		         host, port);
	return HTTP_CONNECT_REFUSE;
}

/* ---- gongmock ca ------------------------------------------------------------------------ */

struct tls_ca_opts {
	const char *ca_dir;
	int pem;
};

static const struct flags_spec tls_ca_spec[] = {
    {.name = "--ca-dir",
     .arg = "DIR",
     .help = "the CA's directory (default: per user, see gongmock --help)",
     .kind = FLAGS_STRING,
     FLAGS_AT(struct tls_ca_opts, ca_dir),
     .bad = "needs a directory"},
    {.name = "--pem",
     .help = "print the certificate itself, not its path",
     .kind = FLAGS_BOOL,
     FLAGS_AT(struct tls_ca_opts, pem)},
    {.name = "--help", .alias = "-h", .help = "print this help and exit", .kind = FLAGS_HELP},
};

static const struct flags_table tls_ca_flags = {
    .spec = tls_ca_spec,
    .nspec = sizeof(tls_ca_spec) / sizeof(tls_ca_spec[0]),
    .column = 25,
    .unexpected = "unexpected argument '%a' (see gongmock ca --help)",
    .unknown = "unknown option '%n' (see gongmock ca --help)",
    .no_value = "%n needs a value (see gongmock ca --help)",
    .env_prefix = "GONGMOCK_",
};

int
tls_ca_main(int argc, char **argv, char *const *envp)
{
	struct tls_ca_opts o = {NULL, 0};
	char err[1024], dir[1024], *hold = NULL;
	struct ca *ca;
	int created = 0;

	switch (flags_parse_env(&tls_ca_flags, &o, argc, argv, envp, &hold, err, sizeof(err))) {
	case FLAGS_OK:
		break;
	case FLAGS_ASK_HELP:
		fputs("usage: gongmock ca [--ca-dir DIR] [--pem]\n"
		      "\n"
		      "Prints the path of the certificate of gongmock's own CA, the one its HTTPS\n"
		      "listener and intercepted CONNECT tunnels use, making the CA first when the\n"
		      "directory has none. Give it to the client to trust: curl --cacert,\n"
		      "SSL_CERT_FILE, REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, or a Java trust "
		      "store.\n",
		      stdout);
		flags_usage(&tls_ca_flags, stdout);
		free(hold);
		return 0;
	default:
		fprintf(stderr, "gongmock ca: %s\n", err);
		free(hold);
		return 2;
	}
	if (o.ca_dir != NULL)
		snprintf(dir, sizeof(dir), "%s", o.ca_dir);
	else if (ca_default_dir(dir, sizeof(dir)) != 0) {
		fprintf(stderr, "gongmock ca: no room for the CA directory's name\n");
		free(hold);
		return 1;
	}
	ca = ca_open(dir, &created, err, sizeof(err));
	free(hold);
	if (ca == NULL) {
		fprintf(stderr, "gongmock ca: %s\n", err);
		return 1;
	}
	if (created)
		fprintf(stderr, "gongmock ca: made a new CA in %s\n", dir);
	if (o.pem)
		fputs(ca_cert_pem(ca), stdout);
	else
		printf("%s\n", ca_cert_path(ca));
	ca_free(ca);
	return 0;
}
