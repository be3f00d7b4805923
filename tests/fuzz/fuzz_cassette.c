/*
 * fuzz_cassette.c - libFuzzer entry point for the cassette loader.
 *
 * Each input is written to one temporary file, which is then loaded as a cassette for replay
 * and read for its calls, through cassette.h, replay.h and dataset.h. What must hold:
 *
 *   - a refused cassette says why, naming the file; a loaded one counts no more exchanges
 *     than it has lines, and its warnings each name the file;
 *   - a loaded cassette is recognised as one, and answers every exchange it holds when asked
 *     that exchange's own request (method, path and query, sent as a client would: the query
 *     percent-encoded, then decoded by query_parse); the answer's bytes can be read to their
 *     end; a request it does not hold gets a message within its buffer;
 *   - the calls of a cassette are a JSON array, which the store either loads or refuses for a
 *     call it names.
 *
 * Credentials are never matched here: a fingerprint is a slow derivation on purpose, and
 * matching one is a string comparison once derived. Any broken property prints what it saw
 * and aborts, which libFuzzer reports as a crash.
 */
/* memfd_create, for a file that lives in memory only. */
#define _GNU_SOURCE 1

#include "cassette.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "dataset.h"
#include "query.h"
#include "replay.h"
#include "store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Exchanges asked back per input. */
#define FUZZ_MAX_PROBES 16

static char path[64];
static int fd = -1;
static char err[1024], warn[1024], miss[1024];
/* Large structs and buffers, kept off the fuzzer's stack. */
static struct query q;
static char qtext[QUERY_MAX_LEN + 1];

static void
fuzz_fail(const char *what, const char *detail, size_t len)
{
	fprintf(stderr, "fuzz_cassette: %s\n  %.*s\n", what, (int)len,
	        detail != NULL ? detail : "");
	abort();
}

static void
fuzz_cleanup(void)
{
	if (fd >= 0)
		unlink(path);
}

/*
 * The file lives in memory and is opened again by its /proc/self/fd name: a file on disk
 * that is cut to nothing and written again for every input spends the time in the disk's
 * writeback. Without memfd, a temporary file does.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	fd = memfd_create("fuzz_cassette", 0);
	if (fd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (access(path, R_OK) == 0)
			return 0;
		close(fd);
	}
	snprintf(path, sizeof(path), "%.40s/fuzz_cassette.XXXXXX",
	         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	fd = mkstemp(path);
	if (fd < 0) {
		perror("fuzz_cassette: mkstemp");
		abort();
	}
	atexit(fuzz_cleanup);
	return 0;
}

/* The input becomes the whole file. */
static void
fuzz_write(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (ftruncate(fd, 0) != 0)
		abort();
	while (done < size) {
		ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);

		if (n <= 0)
			abort();
		done += (size_t)n;
	}
}

static bool
names_file(const char *msg)
{
	return strncmp(msg, path, strlen(path)) == 0;
}

/* Percent-encodes s onto qtext at *n; false when it does not fit. */
static bool
encode(size_t *n, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (*n + 3 > QUERY_MAX_LEN)
			return false;
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			qtext[(*n)++] = (char)c;
		} else {
			qtext[(*n)++] = '%';
			qtext[(*n)++] = hex[c >> 4];
			qtext[(*n)++] = hex[c & 15];
		}
	}
	return true;
}

static void
check_answer(const struct cassette_answer *a, size_t lines)
{
	volatile unsigned char sum = 0;

	if (a->status < 100 || a->status > 599 || a->line < 1 || a->line > lines)
		fuzz_fail("answer out of range", a->body, a->body_len);
	if (a->content_type == NULL || a->retry_after == NULL || a->traceid == NULL ||
	    a->www_authenticate == NULL || a->allow == NULL || a->body == NULL)
		fuzz_fail("answer with a missing field", NULL, 0);
	/* The HTTP layer sends these bytes as they are. */
	for (size_t i = 0; i < a->body_len; i++)
		sum = (unsigned char)(sum + (unsigned char)a->body[i]);
	(void)sum;
	(void)strlen(a->content_type);
	(void)strlen(a->retry_after);
	(void)strlen(a->traceid);
	(void)strlen(a->www_authenticate);
	(void)strlen(a->allow);
}

/*
 * Asks the cassette for the request recorded on this line, if the line is an exchange. The
 * request goes as a client would send it, so it must be answered.
 */
static void
probe(struct replay *rp, const char *line, size_t len, size_t lines)
{
	json_error_t e;
	json_t *root = json_loadb(line, len, JSON_ALLOW_NUL, &e);
	json_t *req = json_object_get(root, "request"), *query, *pair;
	const char *method = json_string_value(json_object_get(req, "method"));
	const char *rpath = json_string_value(json_object_get(req, "path"));
	struct cassette_answer a;
	struct replay_ask ask;
	json_t *body;
	char *text = NULL;
	size_t n = 0, i;

	memset(&ask, 0, sizeof(ask));
	if (method == NULL || rpath == NULL || !json_is_object(json_object_get(root, "response")))
		goto out;
	query = json_object_get(req, "query");
	json_array_foreach(query, i, pair)
	{
		const char *name = json_string_value(json_array_get(pair, 0));
		json_t *value = json_array_get(pair, 1);

		if (name == NULL || !json_is_string(value))
			goto out;
		if (n > 0)
			qtext[n++] = '&';
		if (!encode(&n, name, strlen(name)) || n + 1 > QUERY_MAX_LEN)
			goto out;
		qtext[n++] = '=';
		if (!encode(&n, json_string_value(value), json_string_length(value)))
			goto out;
	}
	if (query_parse(&q, qtext, n) != 0)
		goto out;
	/* The recorded body, sent as the client sent it: text as it is, JSON as JSON. */
	body = json_object_get(req, "body");
	if (json_is_string(body)) {
		ask.body = json_string_value(body);
		ask.body_len = json_string_length(body);
	} else if (json_is_object(body) || json_is_array(body)) {
		if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
			goto out;
		ask.body = text;
		ask.body_len = strlen(text);
	} else if (body != NULL && !json_is_null(body)) {
		goto out;
	}
	ask.method = method;
	ask.path = rpath;
	ask.query = &q;
	if (!replay_answer(rp, &ask, &a, miss, sizeof(miss)))
		fuzz_fail("a recorded request is not answered", miss, strlen(miss));
	check_answer(&a, lines);
out:
	free(text);
	json_decref(root);
}

static void
check_calls(void)
{
	size_t len = 0;
	char *calls;
	json_error_t e;
	json_t *arr;
	struct store *s;

	err[0] = warn[0] = '\0';
	calls = dataset_from_cassette(path, &len, warn, sizeof(warn), err, sizeof(err));
	if (calls == NULL) {
		if (err[0] == '\0')
			fuzz_fail("no calls and no reason", NULL, 0);
		return;
	}
	if (warn[0] != '\0' && strstr(warn, path) == NULL)
		fuzz_fail("calls warning without the file", warn, strlen(warn));
	arr = json_loadb(calls, len, JSON_ALLOW_NUL, &e);
	if (!json_is_array(arr))
		fuzz_fail("calls are not a JSON array", calls, len);
	json_decref(arr);
	s = store_load_buffer("cassette", calls, len, err, sizeof(err));
	/* What the store may refuse of a cassette's data: a call, or the company's record. */
	if (s == NULL && strncmp(err, "cassette: call ", 15) != 0 &&
	    strncmp(err, "cassette: record ", 17) != 0)
		fuzz_fail("calls refused for other than a call", err, strlen(err));
	store_free(s);
	free(calls);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct cassette *c;
	struct replay *rp;
	struct cassette_answer a;
	size_t lines = 1, probes = 0;
	const char *w;

	for (size_t i = 0; i < size; i++)
		lines += text[i] == '\n';
	fuzz_write(data, size);

	err[0] = '\0';
	c = cassette_load(path, err, sizeof(err));
	if (c == NULL) {
		if (!names_file(err))
			fuzz_fail("refused without naming the file", err, strlen(err));
	} else {
		rp = replay_create(c);
		if (rp == NULL)
			fuzz_fail("no replay of a loaded cassette", NULL, 0);
		if (cassette_count(c) > lines)
			fuzz_fail("more exchanges than lines", NULL, 0);
		for (size_t i = 0; i < 64 && (w = cassette_warning(c, i)) != NULL; i++)
			if (strstr(w, path) == NULL)
				fuzz_fail("warning without the file", w, strlen(w));
		if (cassette_count(c) > 0 && !cassette_is_cassette(path))
			fuzz_fail("loaded, but not recognised as a cassette", NULL, 0);
		for (size_t start = 0; start < size && probes < FUZZ_MAX_PROBES; probes++) {
			const char *nl = memchr(text + start, '\n', size - start);
			size_t n = nl != NULL ? (size_t)(nl - (text + start)) : size - start;

			probe(rp, text + start, n, lines);
			start += n + 1;
		}
		/* A request none records: every recorded method is a non-empty string. */
		if (query_parse(&q, "a=1", 3) != 0 ||
		    replay_match(rp, "", "/v2/calls", &q, 0, NULL, &a, miss, sizeof(miss)) ||
		    memchr(miss, '\0', sizeof(miss)) == NULL)
			fuzz_fail("an unrecorded request is answered", NULL, 0);
		replay_rewind(rp);
		replay_free(rp);
		cassette_free(c);
	}
	check_calls();
	return 0;
}
