/*
 * response.c - building a response from pieces.
 *
 * A page of calls is mostly bytes that already exist in the store, so the body is a list of
 * pieces that the HTTP layer hands to writev without copying; only the small envelope around
 * them is allocated per request. Small bodies fit in the inline array and need no allocation.
 */
#include "response.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
response_init(struct response *r)
{
	memset(r, 0, sizeof(*r));
	r->pieces = r->inline_pieces;
	r->cap_pieces = sizeof(r->inline_pieces) / sizeof(r->inline_pieces[0]);
}

void
response_free(struct response *r)
{
	size_t i;

	for (i = 0; i < r->nowned; i++)
		free(r->owned[i]);
	r->nowned = 0;
	if (r->pieces != r->inline_pieces)
		free(r->pieces);
	r->pieces = r->inline_pieces;
	r->npieces = 0;
	if (r->release != NULL) {
		void (*release)(void *) = r->release;

		r->release = NULL;
		release(r->release_cls);
	}
}

int
response_header_add(struct response *r, const char *name, const char *value)
{
	struct response_header *h;

	if (r->nheaders >= RESPONSE_MAX_HEADERS || strlen(name) >= RESPONSE_HEADER_NAME_MAX ||
	    strlen(value) >= RESPONSE_HEADER_VALUE_MAX)
		return -1;
	h = &r->headers[r->nheaders++];
	strcpy(h->name, name);
	strcpy(h->value, value);
	return 0;
}

int
response_header_set(struct response *r, const char *name, const char *value)
{
	size_t i, n = 0;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].name, name) != 0)
			r->headers[n++] = r->headers[i];
	r->nheaders = n;
	return response_header_add(r, name, value);
}

int
response_piece_add(struct response *r, const void *base, size_t len)
{
	if (len == 0)
		return 0;
	if (r->npieces == r->cap_pieces) {
		size_t cap = r->cap_pieces * 2;
		struct response_piece *p;

		if (r->pieces == r->inline_pieces) {
			p = malloc(cap * sizeof(*p));
			if (p != NULL)
				memcpy(p, r->inline_pieces, sizeof(r->inline_pieces));
		} else {
			p = realloc(r->pieces, cap * sizeof(*p));
		}
		if (p == NULL)
			return -1;
		r->pieces = p;
		r->cap_pieces = cap;
	}
	r->pieces[r->npieces].base = base;
	r->pieces[r->npieces].len = len;
	r->npieces++;
	return 0;
}

int
response_piece_own(struct response *r, void *buf, size_t len)
{
	if (r->nowned >= RESPONSE_MAX_OWNED) {
		free(buf);
		return -1;
	}
	r->owned[r->nowned++] = buf;
	return response_piece_add(r, buf, len);
}

size_t
response_body_len(const struct response *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->npieces; i++)
		n += r->pieces[i].len;
	return n;
}

int
response_json(struct response *r, unsigned status, const char *json, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return -1;
	memcpy(copy, json, len);
	r->status = status;
	if (response_header_add(r, "Content-Type", RESPONSE_JSON_TYPE) != 0) {
		free(copy);
		return -1;
	}
	return response_piece_own(r, copy, len);
}

size_t
response_copy_body(const struct response *r, uint64_t pos, char *buf, size_t max)
{
	size_t i, n = 0;
	uint64_t off = 0;

	for (i = 0; i < r->npieces && n < max; i++) {
		const struct response_piece *p = &r->pieces[i];

		if (pos < off + p->len) {
			size_t from = (size_t)(pos - off);
			size_t take = p->len - from;

			if (take > max - n)
				take = max - n;
			memcpy(buf + n, (const char *)p->base + from, take);
			n += take;
			pos += take;
		}
		off += p->len;
	}
	return n;
}
