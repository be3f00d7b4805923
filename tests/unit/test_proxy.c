/*
 * test_proxy.c - forwarding to upstreams that run inside this program, on 127.0.0.1 only:
 * a libmicrohttpd server that echoes what reached it (plain and over TLS, and one that answers
 * with gzip), raw TCP listeners that answer with garbage, cut answers short or stall, and a
 * closed port. Checks what a client of the mock would see: status, body, headers, request id,
 * the request as the upstream got it, connection reuse, and every failure with its sentence.
 *
 * The TLS server uses tests/support/tls_cert.pem and tls_key.pem (read relative to the
 * repository root, where the tests run): a self-signed certificate for IP 127.0.0.1 and its
 * key, made for these tests only and protecting nothing.
 */
#include "proxy.h"

#include <check.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "harness.h"

#define TLS_CERT "tests/support/tls_cert.pem"
#define TLS_KEY "tests/support/tls_key.pem"
#define AUTH_BASIC "Basic a2V5OnNlY3JldA=="
#define THREADS 8
#define PER_THREAD 25

/* What the gzip server sends: the body below, compressed once with `gzip -9n | xxd -i`. */
static const unsigned char gzip_blob[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xad, 0xce, 0xb1, 0x0e, 0x82, 0x30,
    0x10, 0x06, 0xe0, 0x57, 0x31, 0x37, 0x43, 0x52, 0x0a, 0x58, 0x60, 0x75, 0x72, 0x51, 0xa3, 0xa3,
    0x71, 0x00, 0x7a, 0x21, 0x4d, 0x0a, 0xc5, 0xd2, 0x0e, 0x42, 0x78, 0x77, 0xcb, 0xe0, 0x64, 0x5c,
    0xcc, 0x8d, 0x77, 0x7f, 0xfe, 0xef, 0x6e, 0x01, 0x8b, 0x4f, 0x8f, 0x93, 0x3b, 0x4a, 0xa8, 0xa0,
    0x9b, 0xd5, 0x18, 0x37, 0x46, 0xbe, 0x62, 0x25, 0x21, 0x0a, 0x51, 0x6b, 0xac, 0x9c, 0xa0, 0x5a,
    0xc0, 0x19, 0x57, 0xeb, 0xeb, 0x67, 0x4e, 0x58, 0x04, 0xad, 0xb7, 0x16, 0x07, 0x77, 0xa9, 0x3b,
    0xbc, 0xa9, 0x19, 0xbf, 0x96, 0x27, 0xdf, 0x37, 0x68, 0xa1, 0x62, 0x6b, 0x58, 0xd7, 0x5a, 0x87,
    0xda, 0x7d, 0x01, 0xb5, 0x9d, 0x11, 0xa2, 0xe0, 0x69, 0xc6, 0xb9, 0xc8, 0x18, 0xcf, 0xcb, 0x54,
    0x14, 0x25, 0x0b, 0xd7, 0x9c, 0x72, 0x3a, 0x30, 0x70, 0x30, 0xfd, 0x68, 0x71, 0x9a, 0x50, 0xee,
    0xb6, 0x5e, 0x48, 0xa4, 0x0a, 0x9f, 0x38, 0x65, 0x86, 0x90, 0x9e, 0xbd, 0x6b, 0x8c, 0x1f, 0x24,
    0xac, 0xd1, 0x4f, 0x2d, 0x21, 0xd5, 0x38, 0xa9, 0x96, 0x92, 0x6a, 0x19, 0xa9, 0x96, 0x93, 0x6a,
    0x7b, 0x52, 0x4d, 0x90, 0x6a, 0x05, 0xa9, 0x56, 0xfe, 0xa1, 0x3d, 0xd6, 0x37, 0x97, 0x6c, 0x46,
    0x08, 0x7b, 0x03, 0x00, 0x00};

/* The body gzip_blob decodes to: a page of ten calls, 891 bytes. */
static void
gzip_plain(char *buf, size_t len)
{
	size_t n;
	int i;

	n = (size_t)snprintf(buf, len,
	                     "{\"requestId\":\"gzip-body-id\",\"records\":{\"totalRecords\":10,"
	                     "\"currentPageSize\":10,\"currentPageNumber\":0},\"calls\":[");
	for (i = 0; i < 10; i++)
		n += (size_t)snprintf(buf + n, len - n,
		                      "%s{\"id\":\"778234227402593789%d\",\"title\":\"Compressed "
		                      "call\",\"direction\":\"Outbound\"}",
		                      i > 0 ? "," : "", i);
	snprintf(buf + n, len - n, "]}");
}

/* ---- the echo server (libmicrohttpd) ---- */

struct echo_server {
	struct MHD_Daemon *d;
	unsigned port;
	char base[64]; /* http(s)://127.0.0.1:PORT */
	atomic_uint connections;
	atomic_uint requests;
	char *key_pem;
	char *cert_pem;
};

/* One request as it reached the echo server. */
struct echo_request {
	char *uri; /* raw, as on the request line */
	int seen;
	char *body;
	size_t body_len;
};

static void *
echo_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct echo_request *r = calloc(1, sizeof(*r));

	(void)cls;
	(void)con;
	if (r != NULL)
		r->uri = strdup(uri);
	return r;
}

static void
echo_completed(void *cls, struct MHD_Connection *con, void **con_cls,
               enum MHD_RequestTerminationCode toe)
{
	struct echo_request *r = *con_cls;

	(void)cls;
	(void)con;
	(void)toe;
	if (r != NULL) {
		free(r->uri);
		free(r->body);
		free(r);
	}
	*con_cls = NULL;
}

static void
echo_notify(void *cls, struct MHD_Connection *con, void **socket_context,
            enum MHD_ConnectionNotificationCode toe)
{
	struct echo_server *s = cls;

	(void)con;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&s->connections, 1);
}

static json_t *
echo_header(struct MHD_Connection *con, const char *name)
{
	const char *v = MHD_lookup_connection_value(con, MHD_HEADER_KIND, name);

	return v != NULL ? json_string(v) : json_null();
}

static enum MHD_Result
echo_queue(struct MHD_Connection *con, unsigned status, const char *body, size_t len,
           const char *const *headers)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t i;

	resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	for (i = 0; headers[i] != NULL; i += 2)
		MHD_add_response_header(resp, headers[i], headers[i + 1]);
	ret = MHD_queue_response(con, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * Answers on the second call (or after the body), which keeps the connection alive. Paths
 * under /gzip get the compressed page; every other request gets a JSON echo of itself with the
 * status asked for by "want=NNN" in its query, and no x-traceid when it holds "notrace".
 */
static enum MHD_Result
echo_handler(void *cls, struct MHD_Connection *con, const char *url, const char *method,
             const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	static const char *const gzip_headers[] = {"Content-Type",
	                                           "application/json",
	                                           "Content-Encoding",
	                                           "gzip",
	                                           "x-traceid",
	                                           "trace-gzip",
	                                           NULL};
	const char *headers[9] = {"Content-Type", "application/json; charset=utf-8", "retry-after",
	                          "7"};
	size_t nh = 4;
	struct echo_server *s = cls;
	struct echo_request *r = *con_cls;
	const union MHD_ConnectionInfo *ci;
	json_int_t port;
	const char *want;
	unsigned status = 200;
	json_t *o;
	char *text;
	enum MHD_Result ret;
	char *grown;

	(void)version;
	if (r == NULL)
		return MHD_NO;
	if (!r->seen) {
		r->seen = 1;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		grown = realloc(r->body, r->body_len + *upload_data_size + 1);
		if (grown == NULL)
			return MHD_NO;
		r->body = grown;
		memcpy(r->body + r->body_len, upload_data, *upload_data_size);
		r->body_len += *upload_data_size;
		r->body[r->body_len] = '\0';
		*upload_data_size = 0;
		return MHD_YES;
	}
	atomic_fetch_add(&s->requests, 1);
	if (strncmp(url, "/gzip", 5) == 0)
		return echo_queue(con, 200, (const char *)gzip_blob, sizeof(gzip_blob),
		                  gzip_headers);
	want = strstr(r->uri, "want=");
	if (want != NULL)
		status = (unsigned)atoi(want + 5);
	if (strstr(r->uri, "notrace") == NULL) {
		headers[nh++] = "X-TraceId";
		headers[nh++] = "trace-echo";
	}
	/* A redirect that a follower would take to a request with no "want" in it. */
	if (status >= 300 && status < 400) {
		headers[nh++] = "Location";
		headers[nh++] = "/v2/calls?followed";
	}
	headers[nh] = NULL;
	ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	port = ntohs(((const struct sockaddr_in *)ci->client_addr)->sin_port);
	o = json_object();
	json_object_set_new(o, "requestId", json_string("body-id-1"));
	json_object_set_new(o, "method", json_string(method));
	json_object_set_new(o, "uri", json_string(r->uri));
	json_object_set_new(o, "authorization", echo_header(con, "Authorization"));
	json_object_set_new(o, "contentType", echo_header(con, "Content-Type"));
	json_object_set_new(o, "contentLength", echo_header(con, "Content-Length"));
	json_object_set_new(o, "expect", echo_header(con, "Expect"));
	json_object_set_new(o, "acceptEncoding", echo_header(con, "Accept-Encoding"));
	json_object_set_new(o, "bodyLength", json_integer((json_int_t)r->body_len));
	if (r->body != NULL && r->body_len <= 4096)
		json_object_set_new(o, "body", json_stringn(r->body, r->body_len));
	json_object_set_new(o, "port", json_integer(port));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return MHD_NO;
	ret = echo_queue(con, status, text, strlen(text), headers);
	free(text);
	return ret;
}

/* Starts the echo server on 127.0.0.1 and a free port, over TLS when tls is set. */
static void
echo_start(struct echo_server *s, int tls)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *di;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
	size_t len;

	memset(s, 0, sizeof(*s));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (tls) {
		s->key_pem = harness_read_file(TLS_KEY, &len);
		ck_assert_uint_gt(len, 0);
		s->cert_pem = harness_read_file(TLS_CERT, &len);
		ck_assert_uint_gt(len, 0);
		s->d = MHD_start_daemon(
		    flags | MHD_USE_TLS, 0, NULL, NULL, echo_handler, s, MHD_OPTION_SOCK_ADDR,
		    (struct sockaddr *)&sa, MHD_OPTION_URI_LOG_CALLBACK, echo_uri, NULL,
		    MHD_OPTION_NOTIFY_COMPLETED, echo_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
		    echo_notify, s, MHD_OPTION_HTTPS_MEM_KEY, s->key_pem, MHD_OPTION_HTTPS_MEM_CERT,
		    s->cert_pem, MHD_OPTION_END);
	} else {
		s->d =
		    MHD_start_daemon(flags, 0, NULL, NULL, echo_handler, s, MHD_OPTION_SOCK_ADDR,
		                     (struct sockaddr *)&sa, MHD_OPTION_URI_LOG_CALLBACK, echo_uri,
		                     NULL, MHD_OPTION_NOTIFY_COMPLETED, echo_completed, NULL,
		                     MHD_OPTION_NOTIFY_CONNECTION, echo_notify, s, MHD_OPTION_END);
	}
	ck_assert_msg(s->d != NULL, "the echo server did not start");
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	ck_assert_ptr_nonnull(di);
	s->port = di->port;
	ck_assert_uint_gt(s->port, 0);
	snprintf(s->base, sizeof(s->base), "%s://127.0.0.1:%u", tls ? "https" : "http", s->port);
}

static void
echo_stop(struct echo_server *s)
{
	MHD_stop_daemon(s->d);
	free(s->key_pem);
	free(s->cert_pem);
}

/* ---- helpers around the module ---- */

static struct proxy *
make_proxy(const char *upstream, const char *ca_file, unsigned timeout_s)
{
	struct proxy_options o = {.upstream = upstream, .ca_file = ca_file, .timeout_s = timeout_s};
	char err[256] = "";
	struct proxy *p = proxy_create(&o, err, sizeof(err));

	ck_assert_msg(p != NULL, "proxy_create(%s) failed: %s", upstream, err);
	return p;
}

/* Fails unless proxy_create refuses the options with a message holding both strings. */
static void
create_fails(const char *upstream, const char *ca_file, const char *want1, const char *want2)
{
	struct proxy_options o = {.upstream = upstream, .ca_file = ca_file};
	char err[256] = "";
	struct proxy *p = proxy_create(&o, err, sizeof(err));

	ck_assert_msg(p == NULL, "accepted upstream %s", upstream ? upstream : "(null)");
	ck_assert_msg(strstr(err, want1) != NULL, "no \"%s\" in: %s", want1, err);
	if (want2 != NULL)
		ck_assert_msg(strstr(err, want2) != NULL, "no \"%s\" in: %s", want2, err);
}

/* GET path?query with Basic credentials; fails the test unless an answer came back. */
static void
get_ok(struct proxy *p, const char *path, const char *query, struct proxy_result *r)
{
	int rc = proxy_forward(p, "GET", path, query, query != NULL ? strlen(query) : 0, AUTH_BASIC,
	                       NULL, NULL, 0, r);

	ck_assert_msg(rc == 0, "forward failed (%d): %s", (int)r->error, r->error_text);
	ck_assert_int_eq(r->error, PROXY_OK);
	ck_assert_ptr_nonnull(r->body);
	ck_assert_uint_eq(strlen(r->body), r->body_len);
}

/* A forward expected to fail with `kind`; returns the result for further checks. */
static void
forward_fails(struct proxy *p, enum proxy_error kind, struct proxy_result *r)
{
	int rc = proxy_forward(p, "GET", "/v2/calls", NULL, 0, AUTH_BASIC, NULL, NULL, 0, r);

	ck_assert_msg(rc == -1, "forward succeeded with status %u", r->status);
	ck_assert_msg(r->error == kind, "error %d, not %d: %s", (int)r->error, (int)kind,
	              r->error_text);
	ck_assert_msg(r->error_text[0] != '\0', "no error text");
	ck_assert_ptr_nonnull(r->body);
	ck_assert_uint_eq(r->body_len, 0);
	ck_assert_uint_eq(r->status, 0);
}

/* The echo of the request, parsed; the caller decrefs it. */
static json_t *
echo_of(const struct proxy_result *r)
{
	json_error_t jerr;
	json_t *o = json_loadb(r->body, r->body_len, JSON_ALLOW_NUL, &jerr);

	ck_assert_msg(o != NULL, "not an echo (%s): %s", jerr.text, r->body);
	return o;
}

static const char *
echo_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long long
echo_int(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_integer(v), "no integer %s", key);
	return (long long)json_integer_value(v);
}

/* ---- tests ---- */

START_TEST(test_create_checks_options)
{
	struct proxy_options o = {0};
	char err[256] = "";
	struct proxy *p;

	create_fails("ftp://x", NULL, "'ftp://x'", "does not start with http:// or https://");
	create_fails("notaurl", NULL, "'notaurl'", "does not start with http:// or https://");
	create_fails("", NULL, "the upstream URL is empty", NULL);
	create_fails(NULL, NULL, "the upstream URL is empty", NULL);
	create_fails("https://", NULL, "'https://'", NULL);
	create_fails("http://a b", NULL, "'http://a b' is not a valid URL", NULL);
	create_fails("https://key:secret@api.gong.io", NULL, "holds credentials", NULL);
	create_fails("https://api.gong.io/?x=1", NULL, "has a query or fragment", NULL);
	create_fails("https://api.gong.io/#top", NULL, "has a query or fragment", NULL);
	create_fails("https://api.gong.io", "/nonexistent/ca.pem",
	             "the upstream CA file /nonexistent/ca.pem cannot be read",
	             "No such file or directory");
	create_fails("https://api.gong.io", TLS_KEY,
	             "the upstream CA file " TLS_KEY " holds no PEM certificate", NULL);
	create_fails("https://api.gong.io", "tests", "the upstream CA file tests cannot be read",
	             NULL);

	ck_assert_ptr_null(proxy_create(NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no upstream options"));

	/* Creating touches no network: these hosts are never contacted. */
	o.upstream = "https://api.gong.io";
	p = proxy_create(&o, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	proxy_free(p);
	o.upstream = "https://us-55616.api.gong.io/";
	o.ca_file = TLS_CERT;
	o.timeout_s = 5;
	p = proxy_create(&o, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	proxy_free(p);
	o.upstream = "HTTP://127.0.0.1:1/prefix";
	o.ca_file = NULL;
	p = proxy_create(&o, err, sizeof(err));
	ck_assert_msg(p != NULL, "%s", err);
	proxy_free(p);
	proxy_free(NULL);
}
END_TEST

START_TEST(test_get_passes_status_body_headers)
{
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p;
	json_t *e;

	echo_start(&s, 0);
	p = make_proxy(s.base, NULL, 5);
	get_ok(p, "/v2/calls", "fromDateTime=2025-01-01T00:00:00Z", &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_str_eq(r.content_type, "application/json; charset=utf-8");
	ck_assert_str_eq(r.retry_after, "7");
	ck_assert_str_eq(r.traceid, "trace-echo");
	ck_assert_str_eq(r.request_id, "trace-echo");
	ck_assert_int_gt(r.latency_us, 0);
	ck_assert_int_lt(r.latency_us, 5000000);
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "method"), "GET");
	ck_assert_str_eq(echo_str(e, "uri"), "/v2/calls?fromDateTime=2025-01-01T00:00:00Z");
	ck_assert_str_eq(echo_str(e, "authorization"), AUTH_BASIC);
	/* No Content-Type, Expect or body goes with a GET; gzip is offered. */
	ck_assert(json_is_null(json_object_get(e, "contentType")));
	ck_assert(json_is_null(json_object_get(e, "expect")));
	ck_assert_int_eq(echo_int(e, "bodyLength"), 0);
	ck_assert_ptr_nonnull(echo_str(e, "acceptEncoding"));
	ck_assert_ptr_nonnull(strstr(echo_str(e, "acceptEncoding"), "gzip"));
	json_decref(e);
	proxy_result_free(&r);
	ck_assert_ptr_null(r.body);
	proxy_result_free(&r);
	proxy_free(p);
	echo_stop(&s);
}
END_TEST

START_TEST(test_authorization_untouched)
{
	static const char *const values[] = {
	    "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6ImFwaTpjYWxsczpyZWFkOmJhc2ljIn0.c2ln",
	    "Basic  two  spaces==",
	    "basic lower-case",
	    "Bearer",
	    "",
	    NULL};
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p;
	json_t *e;
	int i;

	echo_start(&s, 0);
	p = make_proxy(s.base, NULL, 5);
	for (i = 0; values[i] != NULL; i++) {
		ck_assert_int_eq(
		    proxy_forward(p, "GET", "/v2/calls", NULL, 0, values[i], NULL, NULL, 0, &r), 0);
		e = echo_of(&r);
		ck_assert_str_eq(echo_str(e, "authorization"), values[i]);
		json_decref(e);
		proxy_result_free(&r);
	}
	/* None given, none sent: the proxy has no credentials of its own. */
	ck_assert_int_eq(proxy_forward(p, "GET", "/v2/calls", NULL, 0, NULL, NULL, NULL, 0, &r), 0);
	e = echo_of(&r);
	ck_assert(json_is_null(json_object_get(e, "authorization")));
	json_decref(e);
	proxy_result_free(&r);
	proxy_free(p);
	echo_stop(&s);
}
END_TEST

START_TEST(test_path_and_query_unchanged)
{
	static const char *const queries[] = {
	    "fromDateTime=2025-06-12T17%3A38%3A36.197%2B00%3A00&toDateTime=2025-06-13T00:00:00+02:"
	    "00",
	    "cursor=eyJhbGciOiJIUzI1NiJ9.eyJjYWxsSWQiOjF9.c2ln-_~&workspaceId=623457276584334",
	    "x=%2B%25%26%3D%2F%3F&y=[]{}|^`\"'!$()*,;:@/?&z=&&w", "t=caf\xc3\xa9&u=%E2%9C%93",
	    NULL};
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p;
	char want[512];
	json_t *e;
	int i;

	echo_start(&s, 0);
	p = make_proxy(s.base, NULL, 5);
	for (i = 0; queries[i] != NULL; i++) {
		get_ok(p, "/v2/calls", queries[i], &r);
		e = echo_of(&r);
		snprintf(want, sizeof(want), "/v2/calls?%s", queries[i]);
		ck_assert_str_eq(echo_str(e, "uri"), want);
		json_decref(e);
		proxy_result_free(&r);
	}
	/* Dot segments and doubled slashes are the upstream's business, not libcurl's. */
	get_ok(p, "/v2/./calls/../calls//x", NULL, &r);
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "uri"), "/v2/./calls/../calls//x");
	json_decref(e);
	proxy_result_free(&r);
	/* query_len is the length: no '?' for 0, only that many bytes otherwise. */
	ck_assert_int_eq(
	    proxy_forward(p, "GET", "/v2/calls", "a=1&b=2", 3, NULL, NULL, NULL, 0, &r), 0);
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "uri"), "/v2/calls?a=1");
	json_decref(e);
	proxy_result_free(&r);
	ck_assert_int_eq(proxy_forward(p, "GET", "/v2/calls", "a=1", 0, NULL, NULL, NULL, 0, &r),
	                 0);
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "uri"), "/v2/calls");
	json_decref(e);
	proxy_result_free(&r);
	/* Bytes no request line may hold raw are escaped, not dropped or cut at. */
	get_ok(p, "/v2/calls", "a=b c#d\x7f", &r);
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "uri"), "/v2/calls?a=b%20c%23d%7F");
	json_decref(e);
	proxy_result_free(&r);
	proxy_free(p);
	echo_stop(&s);
}
END_TEST

START_TEST(test_base_prefix_and_trailing_slash)
{
	static const char *const suffixes[] = {"/prefix", "/prefix/", "/", "", NULL};
	static const char *const wants[] = {"/prefix/v2/calls?a=1", "/prefix/v2/calls?a=1",
	                                    "/v2/calls?a=1", "/v2/calls?a=1"};
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p;
	char base[128];
	json_t *e;
	int i;

	echo_start(&s, 0);
	for (i = 0; suffixes[i] != NULL; i++) {
		snprintf(base, sizeof(base), "%s%s", s.base, suffixes[i]);
		p = make_proxy(base, NULL, 5);
		get_ok(p, "/v2/calls", "a=1", &r);
		e = echo_of(&r);
		ck_assert_msg(strcmp(echo_str(e, "uri"), wants[i]) == 0, "base %s: got %s", base,
		              echo_str(e, "uri"));
		json_decref(e);
		proxy_result_free(&r);
		proxy_free(p);
	}
	echo_stop(&s);
}
END_TEST

START_TEST(test_methods_and_bodies)
{
	static const char json_body[] = "{\"filter\":{\"fromDateTime\":\"2025-01-01T00:00:00Z\"}}";
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p;
	size_t big_len = 2 * 1024 * 1024;
	char *big;
	json_t *e;

	echo_start(&s, 0);
	p = make_proxy(s.base, NULL, 5);

	ck_assert_int_eq(proxy_forward(p, "POST", "/v2/calls/extensive", NULL, 0, AUTH_BASIC,
	                               "application/json", json_body, strlen(json_body), &r),
	                 0);
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "method"), "POST");
	ck_assert_str_eq(echo_str(e, "uri"), "/v2/calls/extensive");
	ck_assert_str_eq(echo_str(e, "contentType"), "application/json");
	ck_assert_str_eq(echo_str(e, "body"), json_body);
	ck_assert_str_eq(echo_str(e, "authorization"), AUTH_BASIC);
	json_decref(e);
	proxy_result_free(&r);

	/* A body without a type goes without one, not as a form. */
	ck_assert_int_eq(proxy_forward(p, "PUT", "/v2/x", NULL, 0, NULL, NULL, "abc", 3, &r), 0);
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "method"), "PUT");
	ck_assert(json_is_null(json_object_get(e, "contentType")));
	ck_assert_str_eq(echo_str(e, "body"), "abc");
	json_decref(e);
	proxy_result_free(&r);

	/* POST with nothing still says Content-Length: 0; DELETE says nothing. */
	ck_assert_int_eq(proxy_forward(p, "POST", "/v2/x", NULL, 0, NULL, NULL, NULL, 0, &r), 0);
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "method"), "POST");
	ck_assert_str_eq(echo_str(e, "contentLength"), "0");
	json_decref(e);
	proxy_result_free(&r);
	ck_assert_int_eq(proxy_forward(p, "DELETE", "/v2/x", NULL, 0, NULL, NULL, NULL, 0, &r), 0);
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "method"), "DELETE");
	ck_assert(json_is_null(json_object_get(e, "contentLength")));
	ck_assert_int_eq(echo_int(e, "bodyLength"), 0);
	json_decref(e);
	proxy_result_free(&r);

	/* HEAD: the headers of the answer, no body, and no wait for one. */
	ck_assert_int_eq(proxy_forward(p, "HEAD", "/v2/calls", NULL, 0, NULL, NULL, NULL, 0, &r),
	                 0);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, 0);
	ck_assert_str_eq(r.body, "");
	ck_assert_str_eq(r.traceid, "trace-echo");
	ck_assert_str_eq(r.content_type, "application/json; charset=utf-8");
	proxy_result_free(&r);

	/* A large body goes at once: no "Expect: 100-continue" and its wait. */
	big = malloc(big_len);
	ck_assert_ptr_nonnull(big);
	memset(big, 'b', big_len);
	ck_assert_int_eq(
	    proxy_forward(p, "POST", "/v2/x", NULL, 0, NULL, "text/plain", big, big_len, &r), 0);
	e = echo_of(&r);
	ck_assert(json_is_null(json_object_get(e, "expect")));
	ck_assert_int_eq(echo_int(e, "bodyLength"), (long long)big_len);
	json_decref(e);
	proxy_result_free(&r);
	free(big);

	/* The method goes on the request line; anything that is not a token is refused. */
	ck_assert_int_eq(proxy_forward(p, "GET /evil HTTP/1.1\r\nX:", "/v2/calls", NULL, 0, NULL,
	                               NULL, NULL, 0, &r),
	                 -1);
	ck_assert_int_eq(r.error, PROXY_CONNECT);
	ck_assert_ptr_nonnull(strstr(r.error_text, "not forwarded"));
	proxy_result_free(&r);
	ck_assert_int_eq(proxy_forward(p, "GET", "/v2/calls", NULL, 0, "Basic x\r\nX-Evil: 1", NULL,
	                               NULL, 0, &r),
	                 -1);
	ck_assert_int_eq(r.error, PROXY_CONNECT);
	proxy_result_free(&r);
	/* Six requests reached the server; the two refused ones did not. */
	ck_assert_uint_eq(atomic_load(&s.requests), 6);
	proxy_free(p);
	echo_stop(&s);
}
END_TEST

/* Forwards `method` /v2/x with a body and its type; fails the test unless an echo came back. */
static json_t *
send_body(struct proxy *p, const char *method, const char *type, const char *body, size_t len)
{
	struct proxy_result r;
	json_t *e;

	ck_assert_msg(proxy_forward(p, method, "/v2/x", NULL, 0, AUTH_BASIC, type, body, len, &r) ==
	                  0,
	              "%s failed: %s", method, r.error_text);
	ck_assert_uint_eq(r.status, 200);
	e = echo_of(&r);
	proxy_result_free(&r);
	ck_assert_str_eq(echo_str(e, "method"), method);
	return e;
}

/*
 * Bodies on one kept connection, whose handles go from one method to the next: each request
 * carries its own body and type, byte for byte (a NUL byte, bytes that are not UTF-8), and a
 * GET after them carries neither.
 */
START_TEST(test_bodies_on_a_reused_connection)
{
	static const char json_body[] = "{\"filter\":{\"callIds\":[\"1\"]},\"cursor\":null}";
	static const char nul_body[] = "{\"a\":\"x\0y\"}";
	static const char raw_body[] = "\xff\xfe{";
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p;
	long long port;
	json_t *e, *b;

	echo_start(&s, 0);
	p = make_proxy(s.base, NULL, 5);
	get_ok(p, "/v2/calls", NULL, &r);
	e = echo_of(&r);
	port = echo_int(e, "port");
	json_decref(e);
	proxy_result_free(&r);

	e = send_body(p, "POST", "application/json; charset=utf-8", json_body,
	              sizeof(json_body) - 1);
	ck_assert_str_eq(echo_str(e, "contentType"), "application/json; charset=utf-8");
	ck_assert_str_eq(echo_str(e, "body"), json_body);
	ck_assert_str_eq(echo_str(e, "contentLength"), "42");
	ck_assert_int_eq(echo_int(e, "port"), port);
	json_decref(e);

	get_ok(p, "/v2/calls", NULL, &r);
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "method"), "GET");
	ck_assert_int_eq(echo_int(e, "bodyLength"), 0);
	ck_assert(json_is_null(json_object_get(e, "contentType")));
	ck_assert(json_is_null(json_object_get(e, "contentLength")));
	ck_assert_int_eq(echo_int(e, "port"), port);
	json_decref(e);
	proxy_result_free(&r);

	e = send_body(p, "PATCH", "application/json", nul_body, sizeof(nul_body) - 1);
	b = json_object_get(e, "body");
	ck_assert_uint_eq(json_string_length(b), sizeof(nul_body) - 1);
	ck_assert_int_eq(memcmp(json_string_value(b), nul_body, sizeof(nul_body) - 1), 0);
	json_decref(e);
	e = send_body(p, "POST", "application/octet-stream", raw_body, 3);
	ck_assert_int_eq(echo_int(e, "bodyLength"), 3);
	ck_assert_str_eq(echo_str(e, "contentType"), "application/octet-stream");
	json_decref(e);
	/* Any method with a body sends it, a DELETE or even a GET. */
	e = send_body(p, "DELETE", "text/plain", "gone", 4);
	ck_assert_str_eq(echo_str(e, "body"), "gone");
	json_decref(e);
	e = send_body(p, "GET", "application/json", "{}", 2);
	ck_assert_str_eq(echo_str(e, "body"), "{}");
	ck_assert_str_eq(echo_str(e, "contentType"), "application/json");
	json_decref(e);

	get_ok(p, "/v2/calls", NULL, &r);
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "method"), "GET");
	ck_assert_int_eq(echo_int(e, "bodyLength"), 0);
	ck_assert(json_is_null(json_object_get(e, "contentType")));
	ck_assert_int_eq(echo_int(e, "port"), port);
	json_decref(e);
	proxy_result_free(&r);
	ck_assert_uint_eq(atomic_load(&s.connections), 1);
	ck_assert_uint_eq(atomic_load(&s.requests), 8);
	proxy_free(p);
	echo_stop(&s);
}
END_TEST

START_TEST(test_upstream_errors_are_answers)
{
	static const unsigned statuses[] = {400, 401, 404, 429, 500, 503, 302, 0};
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p;
	char query[32], uri[64];
	json_t *e;
	int i;

	echo_start(&s, 0);
	p = make_proxy(s.base, NULL, 5);
	for (i = 0; statuses[i] != 0; i++) {
		snprintf(query, sizeof(query), "want=%u", statuses[i]);
		get_ok(p, "/v2/calls", query, &r);
		ck_assert_uint_eq(r.status, statuses[i]);
		ck_assert_str_eq(r.retry_after, "7");
		ck_assert_str_eq(r.traceid, "trace-echo");
		e = echo_of(&r);
		ck_assert_str_eq(echo_str(e, "requestId"), "body-id-1");
		snprintf(uri, sizeof(uri), "/v2/calls?%s", query);
		ck_assert_str_eq(echo_str(e, "uri"), uri);
		json_decref(e);
		proxy_result_free(&r);
	}
	/* Each answer came from its own request: the redirect was passed on, not followed. */
	ck_assert_uint_eq(atomic_load(&s.requests), 7);
	proxy_free(p);
	echo_stop(&s);
}
END_TEST

START_TEST(test_request_id_from_body)
{
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p;

	echo_start(&s, 0);
	p = make_proxy(s.base, NULL, 5);
	get_ok(p, "/v2/calls", "notrace&want=404", &r);
	ck_assert_uint_eq(r.status, 404);
	ck_assert_str_eq(r.traceid, "");
	ck_assert_str_eq(r.request_id, "body-id-1");
	ck_assert_str_eq(r.retry_after, "7");
	proxy_result_free(&r);
	proxy_free(p);
	echo_stop(&s);
}
END_TEST

START_TEST(test_environment_proxy_ignored)
{
	static const char *const vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
	                                   "all_proxy",  "ALL_PROXY",  NULL};
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p;
	char elsewhere[64];
	json_t *e;
	int i;

	/* A proxy that is not there: going through it would fail to connect. */
	snprintf(elsewhere, sizeof(elsewhere), "http://127.0.0.1:%u", harness_closed_port());
	for (i = 0; vars[i] != NULL; i++)
		ck_assert_int_eq(setenv(vars[i], elsewhere, 1), 0);
	echo_start(&s, 0);
	p = make_proxy(s.base, NULL, 5);
	get_ok(p, "/v2/calls", "a=1", &r);
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "uri"), "/v2/calls?a=1");
	json_decref(e);
	proxy_result_free(&r);
	proxy_free(p);
	echo_stop(&s);
	for (i = 0; vars[i] != NULL; i++)
		unsetenv(vars[i]);
}
END_TEST

START_TEST(test_connection_reused)
{
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p, *q;
	long long port1, port2, port3;
	json_t *e;

	echo_start(&s, 0);
	p = make_proxy(s.base, NULL, 5);
	get_ok(p, "/v2/calls", "n=1", &r);
	e = echo_of(&r);
	port1 = echo_int(e, "port");
	json_decref(e);
	proxy_result_free(&r);
	get_ok(p, "/v2/calls", "n=2", &r);
	e = echo_of(&r);
	port2 = echo_int(e, "port");
	json_decref(e);
	proxy_result_free(&r);
	/* Connections belong to a proxy: another one opens its own. */
	q = make_proxy(s.base, NULL, 5);
	get_ok(q, "/v2/calls", "n=3", &r);
	e = echo_of(&r);
	port3 = echo_int(e, "port");
	json_decref(e);
	proxy_result_free(&r);
	ck_assert_int_eq(port1, port2);
	ck_assert_int_ne(port1, port3);
	ck_assert_uint_eq(atomic_load(&s.connections), 2);
	ck_assert_uint_eq(atomic_load(&s.requests), 3);
	proxy_free(q);
	proxy_free(p);
	echo_stop(&s);
}
END_TEST

START_TEST(test_gzip_decoded)
{
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p;
	char plain[1024];

	gzip_plain(plain, sizeof(plain));
	ck_assert_uint_eq(strlen(plain), 891);
	echo_start(&s, 0);
	p = make_proxy(s.base, NULL, 5);
	get_ok(p, "/gzip/v2/calls", NULL, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_uint_eq(r.body_len, strlen(plain));
	ck_assert_str_eq(r.body, plain);
	ck_assert_str_eq(r.content_type, "application/json");
	ck_assert_str_eq(r.request_id, "trace-gzip");
	proxy_result_free(&r);
	proxy_free(p);
	echo_stop(&s);
}
END_TEST

START_TEST(test_timeout)
{
	struct harness_raw_server s;
	struct harness_raw_options o = {.hold_ms = HARNESS_RAW_WAIT_MS};
	struct proxy_result r;
	struct proxy *p;
	int64_t t0, took;

	/* Nothing at all comes back. */
	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 1);
	t0 = harness_mono_us();
	forward_fails(p, PROXY_TIMEOUT, &r);
	took = harness_mono_us() - t0;
	ck_assert_str_eq(r.error_text, "the upstream did not answer within 1 s");
	ck_assert_msg(took >= 900000 && took < 3000000, "took %lld us", (long long)took);
	proxy_result_free(&r);
	proxy_free(p);
	harness_raw_stop(&s);
	ck_assert_ptr_nonnull(strstr(s.request, "GET /v2/calls HTTP/1.1\r\n"));

	/* The headers and part of the body come, then nothing. */
	o.reply = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nx-traceid: t\r\n\r\n{\"req";
	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 1);
	t0 = harness_mono_us();
	forward_fails(p, PROXY_TIMEOUT, &r);
	took = harness_mono_us() - t0;
	ck_assert_str_eq(r.error_text, "the upstream did not answer within 1 s");
	ck_assert_msg(took >= 900000 && took < 3000000, "took %lld us", (long long)took);
	/* What came of a failed answer is not passed off as the answer. */
	ck_assert_str_eq(r.traceid, "");
	ck_assert_str_eq(r.request_id, "");
	proxy_result_free(&r);
	proxy_free(p);
	harness_raw_stop(&s);
}
END_TEST

START_TEST(test_garbage_answers)
{
	struct harness_raw_server s;
	struct harness_raw_options o = {.reply = "hello\r\n\r\n"};
	struct proxy_result r;
	struct proxy *p;

	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 5);
	forward_fails(p, PROXY_BAD_ANSWER, &r);
	ck_assert_str_eq(r.error_text, "the upstream's answer is not HTTP");
	proxy_result_free(&r);
	proxy_free(p);
	harness_raw_stop(&s);

	o.reply = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789";
	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 5);
	forward_fails(p, PROXY_BAD_ANSWER, &r);
	ck_assert_str_eq(r.error_text, "the upstream closed the connection mid-answer");
	proxy_result_free(&r);
	proxy_free(p);
	harness_raw_stop(&s);

	o.reply = "";
	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 5);
	forward_fails(p, PROXY_BAD_ANSWER, &r);
	ck_assert_str_eq(r.error_text, "the upstream closed the connection without answering");
	proxy_result_free(&r);
	proxy_free(p);
	harness_raw_stop(&s);

	o.reply = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\n\r\n"
	          "not gzip at all";
	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 5);
	forward_fails(p, PROXY_BAD_ANSWER, &r);
	ck_assert_msg(strncmp(r.error_text, "the upstream's answer cannot be decoded", 39) == 0,
	              "%s", r.error_text);
	proxy_result_free(&r);
	proxy_free(p);
	harness_raw_stop(&s);
}
END_TEST

START_TEST(test_connection_refused)
{
	struct proxy_result r;
	struct proxy *p;
	char base[64], want[160];
	unsigned port = harness_closed_port();

	snprintf(base, sizeof(base), "http://127.0.0.1:%u", port);
	p = make_proxy(base, NULL, 5);
	forward_fails(p, PROXY_CONNECT, &r);
	snprintf(want, sizeof(want), "cannot connect to the upstream %s: connection refused", base);
	ck_assert_str_eq(r.error_text, want);
	proxy_result_free(&r);
	proxy_free(p);
}
END_TEST

START_TEST(test_body_cap)
{
	struct harness_raw_server s;
	struct harness_raw_options o = {.hold_ms = HARNESS_RAW_WAIT_MS};
	struct proxy_result r;
	struct proxy *p;
	char head[128];

	/* Declared too large: refused before the body is read. */
	snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n",
	         PROXY_MAX_BODY + 1);
	o.reply = head;
	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 5);
	forward_fails(p, PROXY_BAD_ANSWER, &r);
	ck_assert_str_eq(r.error_text, "the upstream answer is larger than 64 MiB");
	proxy_result_free(&r);
	proxy_free(p);
	harness_raw_stop(&s);

	/* Undeclared, to the end of the connection: one byte too many. */
	o.reply = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
	o.fill = (size_t)PROXY_MAX_BODY + 1;
	o.hold_ms = 0;
	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 5);
	forward_fails(p, PROXY_BAD_ANSWER, &r);
	ck_assert_str_eq(r.error_text, "the upstream answer is larger than 64 MiB");
	proxy_result_free(&r);
	proxy_free(p);
	harness_raw_stop(&s);

	/* Exactly the cap is fine. */
	o.fill = (size_t)PROXY_MAX_BODY;
	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 5);
	get_ok(p, "/v2/calls", NULL, &r);
	ck_assert_uint_eq(r.body_len, PROXY_MAX_BODY);
	ck_assert_int_eq(r.body[0], 'x');
	ck_assert_int_eq(r.body[PROXY_MAX_BODY - 1], 'x');
	ck_assert_int_eq(r.body[PROXY_MAX_BODY], '\0');
	proxy_result_free(&r);
	proxy_free(p);
	harness_raw_stop(&s);
}
END_TEST

START_TEST(test_header_capture)
{
	struct harness_raw_server s;
	struct harness_raw_options o = {0};
	struct proxy_result r;
	struct proxy *p;

	/* An interim answer's headers are forgotten when the final one starts. */
	o.reply = "HTTP/1.1 103 Early Hints\r\nx-traceid: early\r\nRetry-After: 9\r\n"
	          "Content-Type: text/html\r\n\r\n"
	          "HTTP/1.1 200 OK\r\ncontent-type:text/plain\r\nContent-Length: 2\r\n"
	          "Connection: close\r\n\r\nok";
	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 5);
	get_ok(p, "/v2/calls", NULL, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_str_eq(r.body, "ok");
	ck_assert_str_eq(r.content_type, "text/plain");
	ck_assert_str_eq(r.traceid, "");
	ck_assert_str_eq(r.retry_after, "");
	ck_assert_str_eq(r.request_id, "");
	proxy_result_free(&r);
	proxy_free(p);
	harness_raw_stop(&s);

	/* Any case, blanks trimmed, the first of repeated ones; a nested requestId is not it. */
	o.reply = "HTTP/1.1 429 Too Many Requests\r\nRETRY-AFTER:   120  \r\nX-TRACEID:\tfirst\r\n"
	          "x-traceid: second\r\nContent-Length: 29\r\nConnection: close\r\n\r\n"
	          "{\"x\":{\"requestId\":\"nested\"}}\n";
	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 5);
	get_ok(p, "/v2/calls", NULL, &r);
	ck_assert_uint_eq(r.status, 429);
	ck_assert_str_eq(r.retry_after, "120");
	ck_assert_str_eq(r.traceid, "first");
	ck_assert_str_eq(r.request_id, "first");
	ck_assert_str_eq(r.content_type, "");
	proxy_result_free(&r);
	proxy_free(p);
	harness_raw_stop(&s);

	o.reply = "HTTP/1.1 200 OK\r\nContent-Length: 29\r\nConnection: close\r\n\r\n"
	          "{\"x\":{\"requestId\":\"nested\"}}\n";
	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 5);
	get_ok(p, "/v2/calls", NULL, &r);
	ck_assert_str_eq(r.request_id, "");
	proxy_result_free(&r);
	proxy_free(p);
	harness_raw_stop(&s);
	/* What the upstream saw: our request, without Expect, with gzip offered. */
	ck_assert_ptr_nonnull(strstr(s.request, "GET /v2/calls HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(s.request, "Authorization: " AUTH_BASIC "\r\n"));
	ck_assert_ptr_null(strstr(s.request, "Expect"));
	ck_assert_ptr_nonnull(strstr(s.request, "Accept-Encoding: "));
}
END_TEST

START_TEST(test_tls_verified)
{
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p, *unverified;
	json_t *e;

	echo_start(&s, 1);
	p = make_proxy(s.base, TLS_CERT, 5);
	get_ok(p, "/v2/calls", "fromDateTime=2025-01-01T00%3A00%3A00Z", &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_str_eq(r.request_id, "trace-echo");
	e = echo_of(&r);
	ck_assert_str_eq(echo_str(e, "uri"), "/v2/calls?fromDateTime=2025-01-01T00%3A00%3A00Z");
	ck_assert_str_eq(echo_str(e, "authorization"), AUTH_BASIC);
	json_decref(e);
	proxy_result_free(&r);
	get_ok(p, "/v2/calls", "want=429", &r);
	ck_assert_uint_eq(r.status, 429);
	proxy_result_free(&r);
	ck_assert_uint_eq(atomic_load(&s.connections), 1);

	/*
	 * Without the CA the certificate is refused, even though this thread holds a live,
	 * verified connection to the same host and port.
	 */
	unverified = make_proxy(s.base, NULL, 5);
	forward_fails(unverified, PROXY_TLS, &r);
	ck_assert_msg(strncmp(r.error_text, "TLS with the upstream failed: ", 30) == 0, "%s",
	              r.error_text);
	ck_assert_msg(strstr(r.error_text, "certificate") != NULL, "%s", r.error_text);
	proxy_result_free(&r);
	ck_assert_uint_eq(atomic_load(&s.requests), 2);
	proxy_free(unverified);
	proxy_free(p);
	echo_stop(&s);
}
END_TEST

START_TEST(test_tls_unverified_first)
{
	struct echo_server s;
	struct proxy_result r;
	struct proxy *p;

	echo_start(&s, 1);
	p = make_proxy(s.base, NULL, 5);
	forward_fails(p, PROXY_TLS, &r);
	ck_assert_msg(strncmp(r.error_text, "TLS with the upstream failed: ", 30) == 0, "%s",
	              r.error_text);
	proxy_result_free(&r);
	ck_assert_uint_eq(atomic_load(&s.requests), 0);
	proxy_free(p);
	echo_stop(&s);
}
END_TEST

START_TEST(test_tls_against_plain)
{
	struct echo_server plain, tls;
	struct proxy_result r;
	struct proxy *p;
	char base[64];

	echo_start(&plain, 0);
	echo_start(&tls, 1);
	/* https:// to a server that speaks plain HTTP. */
	snprintf(base, sizeof(base), "https://127.0.0.1:%u", plain.port);
	p = make_proxy(base, TLS_CERT, 5);
	forward_fails(p, PROXY_TLS, &r);
	proxy_result_free(&r);
	proxy_free(p);
	/* http:// to a server that speaks only TLS. */
	snprintf(base, sizeof(base), "http://127.0.0.1:%u", tls.port);
	p = make_proxy(base, NULL, 5);
	forward_fails(p, PROXY_BAD_ANSWER, &r);
	proxy_result_free(&r);
	proxy_free(p);
	ck_assert_uint_eq(atomic_load(&plain.requests), 0);
	ck_assert_uint_eq(atomic_load(&tls.requests), 0);
	echo_stop(&tls);
	echo_stop(&plain);
}
END_TEST

struct worker {
	struct proxy *p;
	int id;
	int failures;
	char first_failure[256];
	long long port;
	int ports;
};

static void
worker_fail(struct worker *w, const char *what, const char *detail)
{
	if (w->failures++ == 0)
		snprintf(w->first_failure, sizeof(w->first_failure), "thread %d: %s: %.180s", w->id,
		         what, detail);
}

/* Forwards PER_THREAD requests and checks that each answer is its own. */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct proxy_result r;
	char query[64], want[96];
	json_t *e;
	int i;

	w->port = -1;
	for (i = 0; i < PER_THREAD; i++) {
		snprintf(query, sizeof(query), "thread=%d&i=%d", w->id, i);
		snprintf(want, sizeof(want), "/v2/calls?%s", query);
		if (proxy_forward(w->p, "GET", "/v2/calls", query, strlen(query), AUTH_BASIC, NULL,
		                  NULL, 0, &r) != 0) {
			worker_fail(w, "forward failed", r.error_text);
		} else if (r.status != 200 || strcmp(r.request_id, "trace-echo") != 0) {
			worker_fail(w, "bad answer", r.body);
		} else if ((e = json_loadb(r.body, r.body_len, 0, NULL)) == NULL) {
			worker_fail(w, "not JSON", r.body);
		} else {
			if (echo_str(e, "uri") == NULL || strcmp(echo_str(e, "uri"), want) != 0)
				worker_fail(w, "someone else's answer", r.body);
			if (json_integer_value(json_object_get(e, "port")) != w->port) {
				w->port = json_integer_value(json_object_get(e, "port"));
				w->ports++;
			}
			json_decref(e);
		}
		proxy_result_free(&r);
	}
	return NULL;
}

START_TEST(test_threads)
{
	struct echo_server s;
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct proxy *p;
	int i;

	echo_start(&s, 0);
	p = make_proxy(s.base, NULL, 5);
	memset(w, 0, sizeof(w));
	for (i = 0; i < THREADS; i++) {
		w[i].p = p;
		w[i].id = i;
		ck_assert_int_eq(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < THREADS; i++) {
		ck_assert_msg(w[i].failures == 0, "%d failures, first: %s", w[i].failures,
		              w[i].first_failure);
	}
	ck_assert_uint_eq(atomic_load(&s.requests), THREADS * PER_THREAD);
	/* Never more connections than exchanges in flight at once: they are reused. */
	ck_assert_uint_le(atomic_load(&s.connections), THREADS);
	proxy_free(p);
	echo_stop(&s);
}
END_TEST

/* Exchanges submitted together, and what their done functions saw. */
#define MANY 64

struct many {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
	int calls[MANY];
	struct proxy_result r[MANY];
};

struct many_slot {
	struct many *m;
	int i;
};

static void
many_done(struct proxy_result *out, void *cls)
{
	struct many_slot *slot = cls;
	struct many *m = slot->m;

	ck_assert_ptr_eq(out, &m->r[slot->i]);
	pthread_mutex_lock(&m->lock);
	m->calls[slot->i]++;
	m->done++;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

/* Waits until `want` done functions have run, for at most 10 s; returns how many did. */
static int
many_wait(struct many *m, int want)
{
	struct timespec until;
	int n;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&m->lock);
	while (m->done < want && pthread_cond_timedwait(&m->cond, &m->lock, &until) == 0)
		;
	n = m->done;
	pthread_mutex_unlock(&m->lock);
	return n;
}

START_TEST(test_submit_many_from_one_thread)
{
	struct echo_server s;
	struct proxy *p;
	struct many *m = calloc(1, sizeof(*m));
	struct many_slot slots[MANY];
	char query[MANY][32], want[96];
	int i;

	ck_assert_ptr_nonnull(m);
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	echo_start(&s, 0);
	p = make_proxy(s.base, NULL, 5);
	/* One thread starts them all before any answer is read: none waits for another. */
	for (i = 0; i < MANY; i++) {
		struct proxy_call c = {.method = "GET",
		                       .path = "/v2/calls",
		                       .query = query[i],
		                       .authorization = AUTH_BASIC};

		snprintf(query[i], sizeof(query[i]), "i=%d", i);
		c.query_len = strlen(query[i]);
		slots[i].m = m;
		slots[i].i = i;
		ck_assert_int_eq(proxy_submit(p, &c, &m->r[i], many_done, &slots[i]), 0);
	}
	ck_assert_int_eq(many_wait(m, MANY), MANY);
	for (i = 0; i < MANY; i++) {
		json_t *e;

		ck_assert_int_eq(m->calls[i], 1);
		ck_assert_msg(m->r[i].error == PROXY_OK, "%d: %s", i, m->r[i].error_text);
		ck_assert_uint_eq(m->r[i].status, 200);
		ck_assert_str_eq(m->r[i].request_id, "trace-echo");
		e = echo_of(&m->r[i]);
		snprintf(want, sizeof(want), "/v2/calls?i=%d", i);
		ck_assert_str_eq(echo_str(e, "uri"), want);
		ck_assert_str_eq(echo_str(e, "authorization"), AUTH_BASIC);
		json_decref(e);
		proxy_result_free(&m->r[i]);
	}
	ck_assert_uint_eq(atomic_load(&s.requests), MANY);
	ck_assert_uint_le(atomic_load(&s.connections), MANY);
	proxy_free(p);
	echo_stop(&s);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
END_TEST

START_TEST(test_shutdown_cuts_off)
{
	struct harness_raw_server s;
	struct proxy *p;
	struct many *m = calloc(1, sizeof(*m));
	struct many_slot slot;
	struct proxy_call c = {.method = "GET", .path = "/v2/calls", .authorization = AUTH_BASIC};
	struct harness_raw_options o = {.hold_ms = HARNESS_RAW_WAIT_MS};
	struct proxy_result late;
	char head[4096];

	ck_assert_ptr_nonnull(m);
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	/* An upstream that reads the request and never answers. */
	harness_raw_start(&s, &o);
	p = make_proxy(s.base, NULL, 30);
	slot.m = m;
	slot.i = 0;
	ck_assert_int_eq(proxy_submit(p, &c, &m->r[0], many_done, &slot), 0);
	(void)harness_raw_request(&s, head, sizeof(head), 2000);
	ck_assert_msg(strstr(head, "GET /v2/calls HTTP/1.1") != NULL, "not forwarded: %s", head);
	ck_assert_int_eq(many_wait(m, 0), 0);

	/* Shutting down ends the exchange in flight before it returns. */
	proxy_shutdown(p);
	ck_assert_int_eq(m->calls[0], 1);
	ck_assert_int_eq(m->r[0].error, PROXY_STOPPED);
	ck_assert_uint_eq(m->r[0].status, 0);
	ck_assert_ptr_nonnull(strstr(m->r[0].error_text, "shutting down"));
	ck_assert_ptr_nonnull(strstr(m->r[0].error_text, "cut off"));
	ck_assert_ptr_nonnull(m->r[0].body);
	ck_assert_uint_eq(m->r[0].body_len, 0);
	proxy_result_free(&m->r[0]);

	/* After it, nothing starts, and the done function is not called. */
	ck_assert_int_eq(proxy_submit(p, &c, &m->r[1], many_done, &slot), -1);
	ck_assert_int_eq(m->r[1].error, PROXY_STOPPED);
	ck_assert_ptr_nonnull(strstr(m->r[1].error_text, "not forwarded"));
	proxy_result_free(&m->r[1]);
	ck_assert_int_eq(
	    proxy_forward(p, "GET", "/v2/calls", NULL, 0, AUTH_BASIC, NULL, NULL, 0, &late), -1);
	ck_assert_int_eq(late.error, PROXY_STOPPED);
	proxy_result_free(&late);
	ck_assert_int_eq(m->done, 1);
	proxy_shutdown(p);
	proxy_free(p);
	harness_raw_stop(&s);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
END_TEST

static Suite *
proxy_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_create_checks_options);
	tcase_add_test(tc, test_get_passes_status_body_headers);
	tcase_add_test(tc, test_authorization_untouched);
	tcase_add_test(tc, test_path_and_query_unchanged);
	tcase_add_test(tc, test_base_prefix_and_trailing_slash);
	tcase_add_test(tc, test_methods_and_bodies);
	tcase_add_test(tc, test_bodies_on_a_reused_connection);
	tcase_add_test(tc, test_upstream_errors_are_answers);
	tcase_add_test(tc, test_request_id_from_body);
	tcase_add_test(tc, test_environment_proxy_ignored);
	tcase_add_test(tc, test_connection_reused);
	tcase_add_test(tc, test_gzip_decoded);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_garbage_answers);
	tcase_add_test(tc, test_connection_refused);
	tcase_add_test(tc, test_body_cap);
	tcase_add_test(tc, test_header_capture);
	tcase_add_test(tc, test_tls_verified);
	tcase_add_test(tc, test_tls_unverified_first);
	tcase_add_test(tc, test_tls_against_plain);
	tcase_add_test(tc, test_threads);
	tcase_add_test(tc, test_submit_many_from_one_thread);
	tcase_add_test(tc, test_shutdown_cuts_off);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(proxy_suite());
}
