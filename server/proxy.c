/*
 * proxy.c - forwarding a request to the real Gong API with libcurl, and bringing back what a
 * client of the mock relies on: the status, the decoded body, Content-Type, Retry-After,
 * x-traceid, WWW-Authenticate and Allow.
 *
 * Each thread that forwards owns one easy handle, made on its first request and cleaned up
 * when the thread exits, so its connections (and TLS sessions) to the upstream are reused
 * without a lock. The handles belong to the threads, not to a proxy: proxy_free only forgets
 * the options, and libcurl's global state, set up once, is never torn down, since a live
 * thread's handle may outlast every proxy (the main thread's stays until the process ends).
 * Every transfer is bounded in time and in size, follows no redirect, ignores proxy settings
 * from the environment and never adds credentials of its own. This module does not decide what
 * the mock answers on a failure: it names the failure and leaves the status to the caller.
 */
#include "proxy.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#define PROXY_DEFAULT_TIMEOUT 30
/* Past this, a connection that cannot be made is reported even if the whole budget is longer. */
#define PROXY_CONNECT_TIMEOUT_MAX 10
/* The first allocation for a body; it doubles from there up to PROXY_MAX_BODY. */
#define PROXY_BODY_START 16384

struct proxy {
	char *base; /* the upstream URL without its trailing '/' */
	char *ca_file;
	unsigned timeout_s;
};

/* What the callbacks of one transfer fill. */
struct proxy_xfer {
	struct proxy_result *out;
	char *buf;
	size_t len;
	size_t cap;
	int too_large;
	int no_memory;
	/* Set for each header once seen in the current response, so that the first one wins. */
	int have_content_type;
	int have_retry_after;
	int have_traceid;
	int have_www_authenticate;
	int have_allow;
};

/* libcurl's global state and the key of the per-thread handles, both set up once. */
static pthread_once_t proxy_once = PTHREAD_ONCE_INIT;
static pthread_key_t proxy_key;
static CURLcode proxy_init_code;
static int proxy_key_code;

static void
proxy_handle_free(void *handle)
{
	curl_easy_cleanup(handle);
}

static void
proxy_init_once(void)
{
	proxy_init_code = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (proxy_init_code == CURLE_OK)
		proxy_key_code = pthread_key_create(&proxy_key, proxy_handle_free);
}

/* This thread's handle, made on first use; NULL when out of memory. */
static CURL *
proxy_handle(void)
{
	CURL *c = pthread_getspecific(proxy_key);

	if (c != NULL)
		return c;
	c = curl_easy_init();
	if (c == NULL)
		return NULL;
	if (pthread_setspecific(proxy_key, c) != 0) {
		curl_easy_cleanup(c);
		return NULL;
	}
	return c;
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
	if (proxy_key_code != 0) {
		snprintf(err, errlen, "libcurl cannot start: %s", strerror(proxy_key_code));
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto oom;
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
	proxy_free(p);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

void
proxy_free(struct proxy *p)
{
	if (p == NULL)
		return;
	free(p->base);
	free(p->ca_file);
	free(p);
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

/* Fills r->error and r->error_text from a failed transfer; r->latency_us is already set. */
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

/* Sets the options of one exchange on a handle that curl_easy_reset left blank. */
static CURLcode
proxy_setup(const struct proxy *p, CURL *c, const char *method, const char *url,
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

	PROXY_SETOPT(CURLOPT_ERRORBUFFER, errbuf);
	PROXY_SETOPT(CURLOPT_URL, url);
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
	PROXY_SETOPT(CURLOPT_HTTPHEADER, headers);
	PROXY_SETOPT(CURLOPT_WRITEFUNCTION, proxy_on_body);
	PROXY_SETOPT(CURLOPT_WRITEDATA, x);
	PROXY_SETOPT(CURLOPT_HEADERFUNCTION, proxy_on_header);
	PROXY_SETOPT(CURLOPT_HEADERDATA, x);
	if (strcmp(method, "HEAD") == 0) {
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

int
proxy_forward(struct proxy *p, const char *method, const char *path, const char *query,
              size_t query_len, const char *authorization, const char *content_type,
              const char *body, size_t body_len, struct proxy_result *out)
{
	struct proxy_xfer x;
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE];
	char *url = NULL;
	CURL *c = NULL;
	CURLcode cc;
	long status = 0;
	curl_off_t total_us = 0;
	int failed = 0;

	memset(out, 0, sizeof(*out));
	memset(&x, 0, sizeof(x));
	x.out = out;
	errbuf[0] = '\0';
	if (method == NULL)
		method = "GET";
	if (query == NULL)
		query_len = 0;
	if (!proxy_is_token(method) || proxy_has_control(authorization) ||
	    proxy_has_control(content_type)) {
		/* The HTTP layer never hands these over; they would rewrite the request. */
		out->error = PROXY_CONNECT;
		snprintf(out->error_text, sizeof(out->error_text),
		         "the request was not forwarded: its method or a header holds a control "
		         "character");
		goto fail;
	}
	c = proxy_handle();
	url = proxy_url(p, path, query, query_len);
	if (authorization != NULL)
		headers = proxy_add_header(headers, "Authorization", authorization, &failed);
	/*
	 * Without a body libcurl sends no Content-Type; with one it would invent a form type, so
	 * the client's is sent, or the header removed. "Expect:" keeps libcurl from waiting for a
	 * 100 Continue the upstream may never send.
	 */
	if (content_type != NULL)
		headers = proxy_add_header(headers, "Content-Type", content_type, &failed);
	else if (!failed && (headers = curl_slist_append(headers, "Content-Type:")) == NULL)
		failed = 1;
	if (!failed && (headers = curl_slist_append(headers, "Expect:")) == NULL)
		failed = 1;
	if (c == NULL || url == NULL || failed) {
		out->error = PROXY_CONNECT;
		snprintf(out->error_text, sizeof(out->error_text),
		         "the request was not forwarded: out of memory");
		goto fail;
	}
	cc = proxy_setup(p, c, method, url, headers, body, body_len, &x, errbuf);
	if (cc != CURLE_OK) {
		out->error = PROXY_CONNECT;
		snprintf(out->error_text, sizeof(out->error_text),
		         "the request to the upstream cannot be set up: %s",
		         curl_easy_strerror(cc));
		goto fail;
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &total_us);
	out->status = status > 0 ? (unsigned)status : 0;
	out->latency_us = (int64_t)total_us;
	if (cc != CURLE_OK) {
		proxy_explain(p, c, cc, &x, errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc),
		              out);
		goto fail;
	}
	if (x.buf == NULL && (x.buf = malloc(1)) == NULL) {
		out->error = PROXY_BAD_ANSWER;
		snprintf(out->error_text, sizeof(out->error_text),
		         "out of memory while reading the upstream answer");
		goto fail;
	}
	x.buf[x.len] = '\0';
	out->body = x.buf;
	out->body_len = x.len;
	proxy_find_request_id(out);
	/* The handle keeps its connections but forgets the pointers into this call's memory. */
	curl_easy_reset(c);
	curl_slist_free_all(headers);
	free(url);
	return 0;
fail:
	if (c != NULL)
		curl_easy_reset(c);
	curl_slist_free_all(headers);
	free(url);
	free(x.buf);
	/*
	 * What came before the failure (a status line, an x-traceid) is not the upstream's answer
	 * and must not pass for one; the body is an empty string, so that it may still be printed.
	 */
	out->status = 0;
	out->content_type[0] = out->retry_after[0] = out->traceid[0] = out->request_id[0] = '\0';
	out->www_authenticate[0] = out->allow[0] = '\0';
	out->body = calloc(1, 1);
	out->body_len = 0;
	return -1;
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
