/*
 * proxy.c - forwarding a request to the real Gong API with libcurl, and bringing back what a
 * client of the mock relies on: the status, the decoded body, Content-Type, Retry-After,
 * x-traceid, WWW-Authenticate and Allow.
 *
 * Transfers run through libcurl's multi interface on event loops (loop.h): libcurl says which
 * sockets to watch and when to wake (its socket and timer callbacks), the loop waits for them
 * with everything else it watches and hands libcurl the events. Each loop has an engine of its
 * own (a multi handle, so a connection cache, and a pool of easy handles), touched only on
 * that loop's thread: a request forwarded from a worker of the HTTP layer goes to the
 * upstream and back on the thread that took it, with no lock and no hand-off. Callers on no
 * loop post their exchange to the proxy's own loop, on a thread of its own made on first use.
 *
 * Easy handles are kept in the engine's pool. One that carried a plain GET keeps its options
 * for the next plain GET (setting a handle up is a good part of what a transfer costs
 * libcurl); the options that point into an exchange's memory are set again each time. Any
 * other exchange leaves its handle reset. libcurl's global state is set up once and never
 * torn down. Every transfer is bounded in time and in size, follows no redirect, ignores
 * proxy settings from the environment and never adds credentials of its own. This module
 * does not decide what the mock answers on a failure: it names the failure and leaves the
 * status to the caller.
 *
 * It is long because it is the only file that knows libcurl: the engines, the transfers'
 * callbacks and the failure messages all speak libcurl's types. The parts that only handle
 * text (checking the upstream URL, escaping the path and query, reading header lines) could
 * move to a module of their own when they grow.
 */
#include "proxy.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "loop.h"

#define PROXY_DEFAULT_TIMEOUT 30
/* Past this, a connection that cannot be made is reported even if the whole budget is longer. */
#define PROXY_CONNECT_TIMEOUT_MAX 10
/* The first allocation for a body without a Content-Length; it doubles up to PROXY_MAX_BODY. */
#define PROXY_BODY_START 16384
/* The most room made for a body at once from its Content-Length. */
#define PROXY_RESERVE_MAX (1024 * 1024)
/* Idle easy handles kept by each engine for later transfers; more are cleaned up. */
#define PROXY_POOL_MAX 64

/* What the callbacks of one transfer fill. */
struct proxy_xfer {
	struct proxy_result *out;
	char *buf;
	size_t len;
	size_t cap;
	int too_large;
	int no_memory;
	int no_body; /* a HEAD: nothing to make room for */
	/* Set for each header once seen in the current response, so that the first one wins. */
	int have_content_type;
	int have_retry_after;
	int have_traceid;
	int have_www_authenticate;
	int have_allow;
};

/* One exchange, from proxy_submit to its done function. */
struct proxy_job {
	struct proxy_job *next; /* in its engine's list of running jobs */
	struct proxy_job *prev;
	struct proxy *p;
	CURL *easy;
	struct curl_slist *headers;
	char *url;
	char *method;
	const char *body;
	size_t body_len;
	struct proxy_xfer x;
	proxy_done_fn *done;
	void *cls;
	int setup_done; /* every option of this exchange is set on easy */
	char errbuf[CURL_ERROR_SIZE];
};

/*
 * The transfers started on one loop: a multi handle (and so a connection cache) of its own,
 * touched only on that loop's thread.
 */
struct proxy_engine {
	struct proxy_engine *next; /* in the proxy's list */
	struct proxy *p;
	struct loop *loop;
	CURLM *multi;
	int64_t timer_due_us; /* when libcurl wants its timeout handled; -1: never */
	int closed;
	struct proxy_job *running;
	CURL *pool[PROXY_POOL_MAX];
	unsigned char configured[PROXY_POOL_MAX]; /* set up for plain GETs already */
	size_t npool;
};

struct proxy {
	char *base; /* the upstream URL without its trailing '/' */
	char *ca_file;
	unsigned timeout_s;
	atomic_int closing; /* no more submissions */

	pthread_mutex_t lock; /* over what follows */
	struct proxy_engine *engines;
	int shut;
	/* For callers on no loop: the proxy's own, on a thread of its own, made on first use. */
	struct loop *own;
	pthread_t own_thread;
	int own_started;
	/* proxy_shutdown waits here for each engine to close on its own thread. */
	pthread_cond_t closed_cond;
	size_t closing_engines;
};

/* libcurl's global state, set up once. */
static pthread_once_t proxy_once = PTHREAD_ONCE_INIT;
static CURLcode proxy_init_code;

static void
proxy_init_once(void)
{
	proxy_init_code = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/*
 * Checks that `url` is http:// or https:// with a host, and nothing a base may not hold: a
 * query or fragment would end up in the middle of every forwarded URL, and credentials would
 * make libcurl send an Authorization of its own.
 */
static int
proxy_check_url(const char *url, char *err, size_t errlen)
{
	CURLU *u;
	CURLUcode uc;
	char *host = NULL, *part = NULL;
	int rc = -1;

	if (url == NULL || url[0] == '\0') {
		snprintf(err, errlen, "the upstream URL is empty: give http(s)://host[:port]");
		return -1;
	}
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
		snprintf(err, errlen,
		         "the upstream URL '%s' does not start with http:// or https://", url);
		return -1;
	}
	u = curl_url();
	if (u == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc != CURLUE_OK) {
		snprintf(err, errlen, "the upstream URL '%s' is not a valid URL: %s", url,
		         curl_url_strerror(uc));
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
		snprintf(err, errlen, "the upstream URL '%s' has no host", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_OK) {
		snprintf(err, errlen,
		         "the upstream URL '%s' holds credentials: the clients' Authorization is "
		         "passed on instead",
		         url);
		goto out;
	}
	if (strchr(url, '?') != NULL || strchr(url, '#') != NULL) {
		snprintf(err, errlen,
		         "the upstream URL '%s' has a query or fragment: give only "
		         "http(s)://host[:port][/prefix]",
		         url);
		goto out;
	}
	rc = 0;
out:
	curl_free(part);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/*
 * Checks that the CA file can be read and holds a PEM certificate, so that a wrong path or a
 * key given by mistake is reported at start-up rather than as a TLS failure on every request.
 */
static int
proxy_check_ca(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int found = 0;

	if (f == NULL) {
		snprintf(err, errlen, "the upstream CA file %s cannot be read: %s", path,
		         strerror(errno));
		return -1;
	}
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0;
	if (ferror(f)) {
		snprintf(err, errlen, "the upstream CA file %s cannot be read: %s", path,
		         strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	if (!found) {
		snprintf(err, errlen, "the upstream CA file %s holds no PEM certificate", path);
		return -1;
	}
	return 0;
}

/*
 * True for the bytes libcurl would refuse in a URL or read as the end of the part: controls,
 * space, '#', and '?' inside the path. They cannot arrive raw in a request line that a server
 * accepted, so escaping them keeps the meaning of what the client sent.
 */
static int
proxy_must_escape(unsigned char ch, int in_path)
{
	return ch <= 0x20 || ch == 0x7f || ch == '#' || (in_path && ch == '?');
}

static char *
proxy_append(char *w, const char *s, size_t n, int in_path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (proxy_must_escape(ch, in_path)) {
			*w++ = '%';
			*w++ = hex[ch >> 4];
			*w++ = hex[ch & 15];
		} else {
			*w++ = (char)ch;
		}
	}
	return w;
}

/* base + path + ('?' + query when there is one), malloc'd; NULL when out of memory. */
static char *
proxy_url(const struct proxy *p, const char *path, const char *query, size_t query_len)
{
	size_t base_len = strlen(p->base), path_len = path != NULL ? strlen(path) : 0;
	size_t room;
	char *url, *w;

	if (path_len > (SIZE_MAX - base_len) / 8 || query_len > (SIZE_MAX - base_len) / 8)
		return NULL;
	room = base_len + 1 + 3 * path_len + 1 + 3 * query_len + 1;
	url = malloc(room);
	if (url == NULL)
		return NULL;
	memcpy(url, p->base, base_len);
	w = url + base_len;
	if (path_len == 0 || path[0] != '/')
		*w++ = '/';
	w = proxy_append(w, path != NULL ? path : "", path_len, 1);
	if (query_len > 0) {
		*w++ = '?';
		w = proxy_append(w, query, query_len, 0);
	}
	*w = '\0';
	return url;
}

/* True when s is an HTTP token (a method), so that it cannot bend the request line. */
static int
proxy_is_token(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("!#$%&'*+-.^_`|~", *s) == NULL)
			return 0;
	return 1;
}

/* True when a header value holds CR, LF or another control but tab. */
static int
proxy_has_control(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * Adds "Name: value" to the list. An empty value takes libcurl's "Name;" form, since
 * "Name:" with nothing after it would remove the header instead of sending it empty.
 */
static struct curl_slist *
proxy_add_header(struct curl_slist *list, const char *name, const char *value, int *failed)
{
	struct curl_slist *next;
	char *line;
	size_t n;

	if (*failed)
		return list;
	n = strlen(name) + strlen(value) + 3;
	line = malloc(n);
	if (line == NULL) {
		*failed = 1;
		return list;
	}
	if (value[0] == '\0')
		snprintf(line, n, "%s;", name);
	else
		snprintf(line, n, "%s: %s", name, value);
	next = curl_slist_append(list, line);
	free(line);
	if (next == NULL) {
		*failed = 1;
		return list;
	}
	return next;
}

static size_t
proxy_on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct proxy_xfer *x = userdata;
	size_t n = size * nmemb, cap;
	char *buf;

	if (n > PROXY_MAX_BODY - x->len) {
		x->too_large = 1;
		return 0;
	}
	if (x->len + n + 1 > x->cap) {
		cap = x->cap != 0 ? x->cap : PROXY_BODY_START;
		while (cap < x->len + n + 1)
			cap *= 2;
		if (cap > (size_t)PROXY_MAX_BODY + 1)
			cap = (size_t)PROXY_MAX_BODY + 1;
		buf = realloc(x->buf, cap);
		if (buf == NULL) {
			x->no_memory = 1;
			return 0;
		}
		x->buf = buf;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, data, n);
	x->len += n;
	return n;
}

/*
 * Allocates the body buffer at once for a declared length (within the cap), so that a page is
 * read without a copy on the way; a wrong length costs nothing but the guess, since the body
 * callback grows the buffer as needed.
 */
static void
proxy_reserve(struct proxy_xfer *x, const char *v, size_t n)
{
	char digits[24];
	size_t i = 0, len = 0;

	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (i < n && i < sizeof(digits) - 1 && isdigit((unsigned char)v[i])) {
		digits[i] = v[i];
		i++;
	}
	if (i == 0 || i > 9)
		return;
	digits[i] = '\0';
	len = (size_t)strtoul(digits, NULL, 10);
	/* A larger answer grows the buffer as it comes instead: a length alone is no reason to
	 * set aside megabytes. */
	if (len == 0 || len > PROXY_RESERVE_MAX)
		return;
	x->buf = malloc(len + 1);
	if (x->buf != NULL)
		x->cap = len + 1;
}

/* Copies a header value, without surrounding blanks, into dst; longer values are cut. */
static void
proxy_copy_value(char dst[PROXY_HEADER_MAX], const char *v, size_t n)
{
	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 &&
	       (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
		n--;
	if (n > PROXY_HEADER_MAX - 1)
		n = PROXY_HEADER_MAX - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/*
 * Sees each header line of each response. A status line starts a new response: what an
 * interim one (100 Continue, 103 Early Hints) said must not pass for the final answer's.
 * Only the first of repeated headers is kept, as a trailer must not replace a header either.
 */
static size_t
proxy_on_header(char *line, size_t size, size_t nitems, void *userdata)
{
	struct proxy_xfer *x = userdata;
	struct proxy_result *r = x->out;
	size_t n = size * nitems, name_len;
	const char *colon;

	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		r->content_type[0] = r->retry_after[0] = r->traceid[0] = '\0';
		r->www_authenticate[0] = r->allow[0] = '\0';
		x->have_content_type = x->have_retry_after = x->have_traceid = 0;
		x->have_www_authenticate = x->have_allow = 0;
		return n;
	}
	colon = memchr(line, ':', n);
	if (colon == NULL)
		return n;
	name_len = (size_t)(colon - line);
	colon++;
	if (name_len == 12 && strncasecmp(line, "Content-Type", 12) == 0 && !x->have_content_type) {
		proxy_copy_value(r->content_type, colon, n - name_len - 1);
		x->have_content_type = 1;
	} else if (name_len == 11 && strncasecmp(line, "Retry-After", 11) == 0 &&
	           !x->have_retry_after) {
		proxy_copy_value(r->retry_after, colon, n - name_len - 1);
		x->have_retry_after = 1;
	} else if (name_len == 9 && strncasecmp(line, "x-traceid", 9) == 0 && !x->have_traceid) {
		proxy_copy_value(r->traceid, colon, n - name_len - 1);
		x->have_traceid = 1;
	} else if (name_len == 16 && strncasecmp(line, "WWW-Authenticate", 16) == 0 &&
	           !x->have_www_authenticate) {
		proxy_copy_value(r->www_authenticate, colon, n - name_len - 1);
		x->have_www_authenticate = 1;
	} else if (name_len == 5 && strncasecmp(line, "Allow", 5) == 0 && !x->have_allow) {
		proxy_copy_value(r->allow, colon, n - name_len - 1);
		x->have_allow = 1;
	} else if (name_len == 14 && strncasecmp(line, "Content-Length", 14) == 0 &&
	           x->buf == NULL) {
		if (!x->no_body)
			proxy_reserve(x, colon, n - name_len - 1);
	}
	return n;
}

/*
 * The request id of an answer: x-traceid, which Gong always sends, else the body's top-level
 * "requestId". The body is parsed only in that second case and only when it is an object.
 */
static void
proxy_find_request_id(struct proxy_result *r)
{
	const char *s = r->body, *v;
	json_t *root;

	if (r->traceid[0] != '\0') {
		memcpy(r->request_id, r->traceid, sizeof(r->request_id));
		return;
	}
	while (s < r->body + r->body_len && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++;
	if (s == r->body + r->body_len || *s != '{')
		return;
	root = json_loadb(r->body, r->body_len, 0, NULL);
	v = json_string_value(json_object_get(root, "requestId"));
	if (v != NULL && strlen(v) < sizeof(r->request_id))
		strcpy(r->request_id, v);
	json_decref(root);
}

/* A system error number as a sentence fragment: "connection refused". */
static void
proxy_errno_text(long err, char *buf, size_t len)
{
	if (err <= 0 || strerror_r((int)err, buf, len) != 0) {
		snprintf(buf, len, "error %ld", err);
		return;
	}
	buf[0] = (char)tolower((unsigned char)buf[0]);
}

/* Seconds allowed for making a connection: the whole budget, but never more than 10 s. */
static long
proxy_connect_timeout(const struct proxy *p)
{
	return p->timeout_s < PROXY_CONNECT_TIMEOUT_MAX ? (long)p->timeout_s
	                                                : PROXY_CONNECT_TIMEOUT_MAX;
}

/*
 * Fills r->error and r->error_text from a failed transfer; r->latency_us is already set. One
 * case per way a transfer fails, each with the message a user needs (which host, which
 * certificate check, how long it waited): a table would need as many special cases.
 */
static void
proxy_explain(const struct proxy *p, CURL *c, CURLcode cc, const struct proxy_xfer *x,
              const char *curl_text, struct proxy_result *r)
{
	char why[128];
	long os_errno = 0;

	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		r->error = PROXY_CONNECT;
		snprintf(r->error_text, sizeof(r->error_text),
		         "cannot connect to the upstream %.150s: its host name does not resolve",
		         p->base);
		break;
	case CURLE_COULDNT_CONNECT:
		r->error = PROXY_CONNECT;
		curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
		if (os_errno != 0)
			proxy_errno_text(os_errno, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "%.120s", curl_text);
		snprintf(r->error_text, sizeof(r->error_text),
		         "cannot connect to the upstream %.150s: %.60s", p->base, why);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
	case CURLE_USE_SSL_FAILED:
		r->error = PROXY_TLS;
		snprintf(r->error_text, sizeof(r->error_text),
		         "TLS with the upstream failed: %.200s", curl_text);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		/*
		 * libcurl says "timed out" for both limits. Before the whole budget is spent, only
		 * the shorter one for making the connection (TLS included) can have run out.
		 */
		r->error = PROXY_TIMEOUT;
		if (proxy_connect_timeout(p) < (long)p->timeout_s &&
		    r->latency_us < (int64_t)p->timeout_s * 1000000 - 500000)
			snprintf(r->error_text, sizeof(r->error_text),
			         "the upstream did not complete a connection within %ld s",
			         proxy_connect_timeout(p));
		else
			snprintf(r->error_text, sizeof(r->error_text),
			         "the upstream did not answer within %u s", p->timeout_s);
		break;
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		r->error = PROXY_BAD_ANSWER;
		if (x->no_memory)
			snprintf(r->error_text, sizeof(r->error_text),
			         "out of memory while reading the upstream answer");
		else
			snprintf(r->error_text, sizeof(r->error_text),
			         "the upstream answer is larger than %d MiB",
			         PROXY_MAX_BODY / (1024 * 1024));
		break;
	case CURLE_GOT_NOTHING:
		r->error = PROXY_BAD_ANSWER;
		snprintf(r->error_text, sizeof(r->error_text),
		         "the upstream closed the connection without answering");
		break;
	case CURLE_PARTIAL_FILE:
		r->error = PROXY_BAD_ANSWER;
		snprintf(r->error_text, sizeof(r->error_text),
		         "the upstream closed the connection mid-answer");
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		/*
		 * Only http and https are allowed, and the base was checked, so this is libcurl
		 * refusing an answer without a status line as HTTP/0.9: its words would mislead.
		 */
		r->error = PROXY_BAD_ANSWER;
		snprintf(r->error_text, sizeof(r->error_text), "the upstream's answer is not HTTP");
		break;
	case CURLE_WEIRD_SERVER_REPLY:
		r->error = PROXY_BAD_ANSWER;
		snprintf(r->error_text, sizeof(r->error_text),
		         "the upstream's answer is not HTTP: %.200s", curl_text);
		break;
	case CURLE_BAD_CONTENT_ENCODING:
		r->error = PROXY_BAD_ANSWER;
		snprintf(r->error_text, sizeof(r->error_text),
		         "the upstream's answer cannot be decoded: %.180s", curl_text);
		break;
	case CURLE_RECV_ERROR:
		r->error = PROXY_BAD_ANSWER;
		snprintf(r->error_text, sizeof(r->error_text),
		         "reading the upstream's answer failed: %.180s", curl_text);
		break;
	case CURLE_SEND_ERROR:
		r->error = PROXY_BAD_ANSWER;
		snprintf(r->error_text, sizeof(r->error_text),
		         "sending the request to the upstream failed: %.180s", curl_text);
		break;
	default:
		r->error = PROXY_BAD_ANSWER;
		snprintf(r->error_text, sizeof(r->error_text),
		         "the exchange with the upstream failed: %.180s", curl_text);
		break;
	}
}

/*
 * Sets the options of one exchange: all of them on a handle that curl_easy_reset left blank,
 * only those of this exchange on one `configured` by a plain GET before (proxy_is_plain).
 */
static CURLcode
proxy_setup(const struct proxy *p, CURL *c, int configured, const char *method, const char *url,
            const struct curl_slist *headers, const char *body, size_t body_len,
            struct proxy_xfer *x, char *errbuf)
{
	CURLcode rc = CURLE_OK;

	/* Each option is set only while all before it succeeded; the first failure is kept. */
#define PROXY_SETOPT(opt, val)                                                                     \
	do {                                                                                       \
		if (rc == CURLE_OK)                                                                \
			rc = curl_easy_setopt(c, opt, val);                                        \
	} while (0)

	/* What changes from one exchange to the next. */
	PROXY_SETOPT(CURLOPT_ERRORBUFFER, errbuf);
	PROXY_SETOPT(CURLOPT_URL, url);
	PROXY_SETOPT(CURLOPT_HTTPHEADER, headers);
	PROXY_SETOPT(CURLOPT_WRITEDATA, x);
	PROXY_SETOPT(CURLOPT_HEADERDATA, x);
	if (configured)
		goto method;
	/* What a handle keeps across plain GETs. */
	PROXY_SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	/* "//v2/calls" and "/./" must reach the upstream as the client sent them. */
	PROXY_SETOPT(CURLOPT_PATH_AS_IS, 1L);
	PROXY_SETOPT(CURLOPT_NOSIGNAL, 1L);
	PROXY_SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	/* An http_proxy in the environment must not reroute (or see) the clients' credentials. */
	PROXY_SETOPT(CURLOPT_PROXY, "");
	PROXY_SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	PROXY_SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (p->ca_file != NULL)
		PROXY_SETOPT(CURLOPT_CAINFO, p->ca_file);
	PROXY_SETOPT(CURLOPT_TIMEOUT, (long)p->timeout_s);
	PROXY_SETOPT(CURLOPT_CONNECTTIMEOUT, proxy_connect_timeout(p));
	PROXY_SETOPT(CURLOPT_ACCEPT_ENCODING, "");
	/* A declared length past the cap fails before a byte of the body is read. */
	PROXY_SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)PROXY_MAX_BODY);
	PROXY_SETOPT(CURLOPT_WRITEFUNCTION, proxy_on_body);
	PROXY_SETOPT(CURLOPT_HEADERFUNCTION, proxy_on_header);
method:
	x->no_body = strcmp(method, "HEAD") == 0;
	if (x->no_body) {
		PROXY_SETOPT(CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "GET") != 0 || body_len > 0) {
		PROXY_SETOPT(CURLOPT_CUSTOMREQUEST, method);
		/*
		 * POST, PUT and PATCH carry a body, if an empty one (Content-Length: 0); other
		 * methods carry one only when the client sent one.
		 */
		if (body_len > 0 || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
		    strcmp(method, "PATCH") == 0) {
			PROXY_SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
			PROXY_SETOPT(CURLOPT_POSTFIELDS, body_len > 0 ? body : "");
		}
	}
#undef PROXY_SETOPT
	return rc;
}

/* ---- the exchanges ------------------------------------------------------------------ */

/*
 * Marks *out as failed: no status, none of the upstream's headers (what came before a failure
 * is not the upstream's answer and must not pass for one), and an empty body string, so that
 * it may still be printed.
 */
static void proxy_fail(struct proxy_result *out, enum proxy_error kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
proxy_fail(struct proxy_result *out, enum proxy_error kind, const char *fmt, ...)
{
	va_list ap;

	if (kind != PROXY_OK) {
		out->error = kind;
		va_start(ap, fmt);
		vsnprintf(out->error_text, sizeof(out->error_text), fmt, ap);
		va_end(ap);
	}
	out->status = 0;
	out->content_type[0] = out->retry_after[0] = out->traceid[0] = out->request_id[0] = '\0';
	out->www_authenticate[0] = out->allow[0] = '\0';
	free(out->body);
	out->body = calloc(1, 1);
	out->body_len = 0;
}

static void
proxy_job_free(struct proxy_job *j)
{
	if (j == NULL)
		return;
	curl_slist_free_all(j->headers);
	free(j->url);
	free(j->method);
	free(j->x.buf);
	free(j);
}

/*
 * True for a GET without a body: the only exchange whose options a handle may keep for the
 * next one, since it sets no method, body or NOBODY option that would stay behind.
 */
static int
proxy_is_plain(const struct proxy_job *j)
{
	return strcmp(j->method, "GET") == 0 && j->body_len == 0;
}

/*
 * Gives the easy handle of j back to the pool, still set up when j was a plain GET (setting
 * up a handle is a good part of what a transfer costs libcurl), else blank; or cleans it up
 * when the pool is full.
 */
static void
proxy_pool_put(struct proxy_engine *e, struct proxy_job *j)
{
	CURL *c = j->easy;
	int keep = j->setup_done && proxy_is_plain(j);

	j->easy = NULL;
	if (c == NULL)
		return;
	if (!keep)
		curl_easy_reset(c);
	if (e->npool < PROXY_POOL_MAX) {
		e->configured[e->npool] = (unsigned char)keep;
		e->pool[e->npool++] = c;
		return;
	}
	curl_easy_cleanup(c);
}

static void
proxy_running_unlink(struct proxy_engine *e, struct proxy_job *j)
{
	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		e->running = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	j->next = j->prev = NULL;
}

/* Ends a job that libcurl has finished and runs its done function. */
static void
proxy_finish(struct proxy_engine *e, struct proxy_job *j, CURLcode cc)
{
	struct proxy *p = j->p;
	struct proxy_result *out = j->x.out;
	long status = 0;
	curl_off_t total_us = 0;
	proxy_done_fn *done = j->done;
	void *cls = j->cls;

	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(j->easy, CURLINFO_TOTAL_TIME_T, &total_us);
	out->status = status > 0 ? (unsigned)status : 0;
	out->latency_us = (int64_t)total_us;
	if (cc != CURLE_OK) {
		proxy_explain(p, j->easy, cc, &j->x,
		              j->errbuf[0] != '\0' ? j->errbuf : curl_easy_strerror(cc), out);
		proxy_fail(out, PROXY_OK, "%s", "");
	} else if (j->x.buf == NULL && (j->x.buf = malloc(1)) == NULL) {
		proxy_fail(out, PROXY_BAD_ANSWER,
		           "out of memory while reading the upstream answer");
	} else {
		j->x.buf[j->x.len] = '\0';
		out->body = j->x.buf;
		out->body_len = j->x.len;
		j->x.buf = NULL;
		proxy_find_request_id(out);
	}
	proxy_pool_put(e, j);
	proxy_job_free(j);
	done(out, cls);
}

/* Ends a job that libcurl does not have (any more) with a failure ("what: detail"), and runs
 * its done. */
static void
proxy_abort(struct proxy_engine *e, struct proxy_job *j, enum proxy_error kind, const char *what,
            const char *detail)
{
	struct proxy_result *out = j->x.out;
	proxy_done_fn *done = j->done;
	void *cls = j->cls;

	if (e != NULL)
		proxy_pool_put(e, j);
	if (j->easy != NULL)
		curl_easy_cleanup(j->easy);
	proxy_job_free(j);
	proxy_fail(out, kind, "%s: %s", what, detail);
	done(out, cls);
}

/* Collects the transfers libcurl has finished. */
static void
proxy_reap(struct proxy_engine *e)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(e->multi, &left)) != NULL) {
		CURL *c = m->easy_handle;
		CURLcode cc = m->data.result;
		struct proxy_job *j = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(c, CURLINFO_PRIVATE, (char **)&j);
		curl_multi_remove_handle(e->multi, c);
		if (j == NULL) {
			curl_easy_cleanup(c);
			continue;
		}
		proxy_running_unlink(e, j);
		proxy_finish(e, j, cc);
	}
}

/* The loop's callback for a socket of libcurl's. */
static void
proxy_on_fd(void *cls, int fd, unsigned events)
{
	struct proxy_engine *e = cls;
	int what = 0, running;

	if (events & LOOP_IN)
		what |= CURL_CSELECT_IN;
	if (events & LOOP_OUT)
		what |= CURL_CSELECT_OUT;
	if (events & LOOP_ERR)
		what |= CURL_CSELECT_ERR;
	curl_multi_socket_action(e->multi, fd, what, &running);
	proxy_reap(e);
}

/* libcurl's socket callback: keeps the loop's watch in step with what libcurl waits for. */
static int
proxy_on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct proxy_engine *e = userp;
	unsigned events = 0;

	(void)easy;
	(void)socketp;
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= LOOP_IN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= LOOP_OUT;
	/* CURL_POLL_REMOVE leaves events at 0: no longer watched. */
	return loop_fd_set(e->loop, s, events, proxy_on_fd, e) == 0 ? 0 : -1;
}

/* libcurl's timer callback: when to call it back with CURL_SOCKET_TIMEOUT. */
static int
proxy_on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	struct proxy_engine *e = userp;

	(void)multi;
	e->timer_due_us = timeout_ms < 0 ? -1 : loop_now_us() + (int64_t)timeout_ms * 1000;
	return 0;
}

static int64_t
proxy_engine_due(void *cls)
{
	struct proxy_engine *e = cls;

	return e->timer_due_us;
}

static void
proxy_engine_run(void *cls)
{
	struct proxy_engine *e = cls;
	int running;

	e->timer_due_us = -1;
	curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	proxy_reap(e);
}

/* Hands a job to libcurl, on the engine's thread; e NULL (none could be had) ends it. */
static void
proxy_start_job(struct proxy_engine *e, struct proxy_job *j)
{
	CURLcode cc;
	CURLMcode mc;
	int configured = 0;

	if (e == NULL && !atomic_load(&j->p->closing)) {
		proxy_abort(NULL, j, PROXY_CONNECT, "the request was not forwarded",
		            "out of memory");
		return;
	}
	if (e == NULL || e->closed || atomic_load(&j->p->closing)) {
		proxy_abort(e, j, PROXY_STOPPED, "the server is shutting down",
		            "the request was not forwarded");
		return;
	}

	if (e->npool > 0) {
		e->npool--;
		j->easy = e->pool[e->npool];
		configured = e->configured[e->npool];
	} else {
		j->easy = curl_easy_init();
	}
	if (j->easy == NULL) {
		proxy_abort(e, j, PROXY_CONNECT, "the request was not forwarded",
		            "out of memory");
		return;
	}
	cc = proxy_setup(j->p, j->easy, configured, j->method, j->url, j->headers, j->body,
	                 j->body_len, &j->x, j->errbuf);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
	j->setup_done = cc == CURLE_OK;
	if (cc != CURLE_OK) {
		proxy_abort(e, j, PROXY_CONNECT, "the request to the upstream cannot be set up",
		            curl_easy_strerror(cc));
		return;
	}
	mc = curl_multi_add_handle(e->multi, j->easy);
	if (mc != CURLM_OK) {
		proxy_abort(e, j, PROXY_CONNECT,
		            "the request to the upstream cannot be started",
		            curl_multi_strerror(mc));
		return;
	}
	j->prev = NULL;
	j->next = e->running;
	if (e->running != NULL)
		e->running->prev = j;
	e->running = j;
}

/* An engine for loop l, on l's thread. NULL when out of memory. */
static struct proxy_engine *
proxy_engine_create(struct proxy *p, struct loop *l)
{
	struct proxy_engine *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->p = p;
	e->loop = l;
	e->timer_due_us = -1;
	e->multi = curl_multi_init();
	if (e->multi == NULL ||
	    curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, proxy_on_socket) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, proxy_on_timer) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	                      (long)PROXY_MAX_CONNECTIONS) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)PROXY_MAX_CONNECTIONS) !=
	        CURLM_OK ||
	    loop_client_add(l, proxy_engine_due, proxy_engine_run, e) != 0) {
		if (e->multi != NULL)
			curl_multi_cleanup(e->multi);
		free(e);
		return NULL;
	}
	return e;
}

/*
 * Closes an engine on its own thread (or with its loop stopped): what is in flight is cut
 * off, its connections closed. The struct stays, inert, until proxy_free.
 */
static void
proxy_engine_close(struct proxy_engine *e)
{
	size_t i;

	if (e->closed)
		return;
	e->closed = 1;
	while (e->running != NULL) {
		struct proxy_job *j = e->running;

		proxy_running_unlink(e, j);
		curl_multi_remove_handle(e->multi, j->easy);
		proxy_abort(e, j, PROXY_STOPPED, "the server is shutting down",
		            "the upstream's answer was cut off");
	}
	for (i = 0; i < e->npool; i++)
		curl_easy_cleanup(e->pool[i]);
	e->npool = 0;
	/* Closing the cached connections tells the socket callback, which still needs the
	 * loop: the client goes only after. */
	curl_multi_cleanup(e->multi);
	e->multi = NULL;
	loop_client_remove(e->loop, e);
}

/*
 * The engine of this thread's loop for p, made on first use; NULL when out of memory or shut
 * down. The last one found is remembered by value, so a stale entry is never dereferenced.
 */
static struct proxy_engine *
proxy_engine_here(struct proxy *p, struct loop *l)
{
	static _Thread_local struct proxy *cached_p;
	static _Thread_local struct loop *cached_l;
	static _Thread_local struct proxy_engine *cached_e;
	struct proxy_engine *e;

	if (cached_p == p && cached_l == l && cached_e != NULL)
		return cached_e;
	pthread_mutex_lock(&p->lock);
	for (e = p->engines; e != NULL; e = e->next)
		if (e->loop == l)
			break;
	/* After shutdown no engine is made: nothing would close it. */
	if (e == NULL && !p->shut && (e = proxy_engine_create(p, l)) != NULL) {
		e->next = p->engines;
		p->engines = e;
	}
	pthread_mutex_unlock(&p->lock);
	if (e != NULL) {
		cached_p = p;
		cached_l = l;
		cached_e = e;
	}
	return e;
}

/* Posted to the proxy's own loop: starts a job from a thread that runs no loop. */
static void
proxy_start_posted(void *cls)
{
	struct proxy_job *j = cls;

	proxy_start_job(proxy_engine_here(j->p, loop_current()), j);
}

static void *
proxy_own_main(void *cls)
{
	loop_run(cls);
	return NULL;
}

/* The proxy's own loop, started on first use; NULL when it cannot be, or after shutdown. */
static struct loop *
proxy_own_loop(struct proxy *p)
{
	struct loop *l = NULL;
	char err[128];

	pthread_mutex_lock(&p->lock);
	if (!p->shut && p->own == NULL) {
		p->own = loop_create(err, sizeof(err));
		if (p->own != NULL &&
		    pthread_create(&p->own_thread, NULL, proxy_own_main, p->own) != 0) {
			loop_free(p->own);
			p->own = NULL;
		}
		p->own_started = p->own != NULL;
	}
	if (!p->shut)
		l = p->own;
	pthread_mutex_unlock(&p->lock);
	return l;
}

/* ---- the interface ------------------------------------------------------------------- */

struct proxy *
proxy_create(const struct proxy_options *o, char *err, size_t errlen)
{
	struct proxy *p;
	size_t n;

	if (o == NULL) {
		snprintf(err, errlen, "no upstream options");
		return NULL;
	}
	if (proxy_check_url(o->upstream, err, errlen) != 0)
		return NULL;
	if (o->ca_file != NULL && proxy_check_ca(o->ca_file, err, errlen) != 0)
		return NULL;
	pthread_once(&proxy_once, proxy_init_once);
	if (proxy_init_code != CURLE_OK) {
		snprintf(err, errlen, "libcurl cannot start: %s",
		         curl_easy_strerror(proxy_init_code));
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto oom;
	atomic_init(&p->closing, 0);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->closed_cond, NULL);
	p->base = strdup(o->upstream);
	if (p->base == NULL)
		goto oom;
	/* The paths forwarded begin with '/'; one from the base as well would double it. */
	n = strlen(p->base);
	if (n > 0 && p->base[n - 1] == '/')
		p->base[n - 1] = '\0';
	if (o->ca_file != NULL && (p->ca_file = strdup(o->ca_file)) == NULL)
		goto oom;
	p->timeout_s = o->timeout_s != 0 ? o->timeout_s : PROXY_DEFAULT_TIMEOUT;
	return p;
oom:
	snprintf(err, errlen, "out of memory");
	proxy_free(p);
	return NULL;
}

/* Posted to each engine's loop by proxy_shutdown. */
static void
proxy_close_posted(void *cls)
{
	struct proxy_engine *e = cls;
	struct proxy *p = e->p;

	proxy_engine_close(e);
	pthread_mutex_lock(&p->lock);
	p->closing_engines--;
	pthread_cond_broadcast(&p->closed_cond);
	pthread_mutex_unlock(&p->lock);
}

void
proxy_shutdown(struct proxy *p)
{
	struct proxy_engine *e;

	if (p == NULL)
		return;
	atomic_store(&p->closing, 1);
	pthread_mutex_lock(&p->lock);
	if (p->shut) {
		pthread_mutex_unlock(&p->lock);
		return;
	}
	p->shut = 1;
	/* Each engine closes on its own loop's thread; one whose loop has stopped is closed
	 * from here, as nothing else touches it any more. */
	for (e = p->engines; e != NULL; e = e->next) {
		p->closing_engines++;
		if (loop_post(e->loop, proxy_close_posted, e) != 0) {
			p->closing_engines--;
			pthread_mutex_unlock(&p->lock);
			proxy_engine_close(e);
			pthread_mutex_lock(&p->lock);
		}
	}
	while (p->closing_engines > 0)
		pthread_cond_wait(&p->closed_cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	if (p->own_started) {
		loop_stop(p->own);
		pthread_join(p->own_thread, NULL);
		p->own_started = 0;
	}
}

void
proxy_free(struct proxy *p)
{
	struct proxy_engine *e, *next;

	if (p == NULL)
		return;
	proxy_shutdown(p);
	for (e = p->engines; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	loop_free(p->own);
	pthread_cond_destroy(&p->closed_cond);
	pthread_mutex_destroy(&p->lock);
	free(p->base);
	free(p->ca_file);
	free(p);
}

int
proxy_submit(struct proxy *p, const struct proxy_call *c, struct proxy_result *out,
             proxy_done_fn *done, void *cls)
{
	struct proxy_job *j;
	struct loop *l;
	const char *method = c->method != NULL ? c->method : "GET";
	size_t query_len = c->query != NULL ? c->query_len : 0;
	int failed = 0;

	memset(out, 0, sizeof(*out));
	if (!proxy_is_token(method) || proxy_has_control(c->authorization) ||
	    proxy_has_control(c->content_type)) {
		/* The HTTP layer never hands these over; they would rewrite the request. */
		proxy_fail(out, PROXY_CONNECT,
		           "the request was not forwarded: its method or a header holds a control "
		           "character");
		return -1;
	}
	if (atomic_load(&p->closing)) {
		proxy_fail(out, PROXY_STOPPED,
		           "the server is shutting down: the request was not forwarded");
		return -1;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		proxy_fail(out, PROXY_CONNECT, "the request was not forwarded: out of memory");
		return -1;
	}
	j->p = p;
	j->x.out = out;
	j->done = done;
	j->cls = cls;
	j->body = c->body;
	j->body_len = c->body_len;
	j->method = strdup(method);
	j->url = proxy_url(p, c->path, c->query, query_len);
	if (c->authorization != NULL)
		j->headers =
		    proxy_add_header(j->headers, "Authorization", c->authorization, &failed);
	/*
	 * Without a body libcurl sends no Content-Type; with one it would invent a form type, so
	 * the client's is sent, or the header removed. "Expect:" keeps libcurl from waiting for a
	 * 100 Continue the upstream may never send.
	 */
	if (c->content_type != NULL)
		j->headers = proxy_add_header(j->headers, "Content-Type", c->content_type, &failed);
	else if (!failed && (j->headers = curl_slist_append(j->headers, "Content-Type:")) == NULL)
		failed = 1;
	if (!failed) {
		struct curl_slist *h = curl_slist_append(j->headers, "Expect:");

		if (h == NULL)
			failed = 1;
		else
			j->headers = h;
	}
	if (j->method == NULL || j->url == NULL || failed) {
		proxy_job_free(j);
		proxy_fail(out, PROXY_CONNECT, "the request was not forwarded: out of memory");
		return -1;
	}
	/* On a loop's thread the exchange runs right there; from anywhere else, on the
	 * proxy's own loop. */
	l = loop_current();
	if (l != NULL) {
		proxy_start_job(proxy_engine_here(p, l), j);
		return 0;
	}
	l = proxy_own_loop(p);
	if (l == NULL || loop_post(l, proxy_start_posted, j) != 0) {
		proxy_job_free(j);
		if (atomic_load(&p->closing))
			proxy_fail(out, PROXY_STOPPED,
			           "the server is shutting down: the request was not forwarded");
		else
			proxy_fail(
			    out, PROXY_CONNECT,
			    "the request was not forwarded: the proxy's thread cannot start");
		return -1;
	}
	return 0;
}

/* What a waiting proxy_forward sleeps on. */
struct proxy_wait {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
};

static void
proxy_wait_done(struct proxy_result *out, void *cls)
{
	struct proxy_wait *w = cls;

	(void)out;
	pthread_mutex_lock(&w->lock);
	w->done = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

int
proxy_forward(struct proxy *p, const char *method, const char *path, const char *query,
              size_t query_len, const char *authorization, const char *content_type,
              const char *body, size_t body_len, struct proxy_result *out)
{
	struct proxy_call c;
	struct proxy_wait w;

	memset(&c, 0, sizeof(c));
	c.method = method;
	c.path = path;
	c.query = query;
	c.query_len = query_len;
	c.authorization = authorization;
	c.content_type = content_type;
	c.body = body;
	c.body_len = body_len;
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.cond, NULL);
	w.done = 0;
	if (proxy_submit(p, &c, out, proxy_wait_done, &w) == 0) {
		pthread_mutex_lock(&w.lock);
		while (!w.done)
			pthread_cond_wait(&w.cond, &w.lock);
		pthread_mutex_unlock(&w.lock);
	}
	pthread_cond_destroy(&w.cond);
	pthread_mutex_destroy(&w.lock);
	return out->error == PROXY_OK ? 0 : -1;
}

void
proxy_result_free(struct proxy_result *r)
{
	if (r == NULL)
		return;
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}
