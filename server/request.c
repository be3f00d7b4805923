/*
 * request.c - normalising the request target.
 *
 * Clients reach the mock in odd ways: a base URL with a trailing slash gives `//v2/calls`, and
 * a client sent through an HTTP-proxy setting puts the absolute form `http://host/v2/calls` on
 * the request line. All of them name the same resource, so they are folded here, once, before
 * routing. The query is left raw: decoding it is the query module's job.
 */
#include "request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Skips `scheme://authority` when the target is in absolute form. */
static const char *
skip_absolute(const char *t)
{
	const char *p;

	if (strncasecmp(t, "http://", 7) == 0)
		p = t + 7;
	else if (strncasecmp(t, "https://", 8) == 0)
		p = t + 8;
	else
		return t;
	while (*p != '\0' && *p != '/' && *p != '?')
		p++;
	return p;
}

int
request_normalise_path(const char *target, char *path_buf, size_t path_len)
{
	const char *p = skip_absolute(target);
	size_t n = 0;

	if (path_len < 2)
		return -1;
	path_buf[n++] = '/';
	for (; *p != '\0' && *p != '?'; p++) {
		if (*p == '/' && path_buf[n - 1] == '/')
			continue;
		if (n + 1 >= path_len)
			return -1;
		path_buf[n++] = *p;
	}
	/* `/v2/calls/` names the same resource as `/v2/calls`. */
	if (n > 1 && path_buf[n - 1] == '/')
		n--;
	path_buf[n] = '\0';
	return 0;
}

int
request_normalise(const char *target, char *path_buf, size_t path_len, const char **query,
                  size_t *query_len)
{
	const char *q;

	if (request_normalise_path(target, path_buf, path_len) != 0)
		return -1;
	/* The authority of the absolute form ends at a `?` too, so the first one in the whole
	 * target is where the query starts. */
	q = strchr(target, '?');
	if (q != NULL) {
		*query = q + 1;
		*query_len = strlen(q + 1);
	} else {
		*query = "";
		*query_len = 0;
	}
	return 0;
}

size_t
request_raw_path(const char *target, const char **path)
{
	const char *p = skip_absolute(target);
	const char *q = strchr(p, '?');

	*path = p;
	return q != NULL ? (size_t)(q - p) : strlen(p);
}

const char *
request_header(const struct request *r, const char *name)
{
	if (r->header == NULL)
		return NULL;
	return r->header(r, name);
}

int
request_connect_target(const char *t, char *host, size_t hostlen, unsigned *port)
{
	const char *colon, *h = t;
	size_t n;
	char *end;
	unsigned long v;

	if (t[0] == '[') {
		const char *close = strchr(t, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		h = t + 1;
		n = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(t, ':');
		if (colon == NULL)
			return -1;
		n = (size_t)(colon - t);
	}
	if (n == 0 || n >= hostlen || colon[1] < '0' || colon[1] > '9')
		return -1;
	/* A name, an IPv4 address, or (in brackets only) an IPv6 one. */
	if (strspn(h, t[0] == '['
	                  ? "0123456789abcdefABCDEF:."
	                  : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") <
	    n)
		return -1;
	v = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	*port = (unsigned)v;
	return 0;
}
