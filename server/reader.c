/*
 * reader.c - reading fixture files: telling their formats apart, streaming them call by call,
 * and wording what is wrong with them.
 *
 * Loading streams: JSON Lines are read line by line and a JSON array element by element, a
 * megabyte of the file at a time (more for longer lines), and each call is parsed, handed to
 * the callset and its parse dropped at once. Only a page object ({"calls":[...]}) or a lone
 * call object is parsed as one document. An array element is found by matching brackets
 * outside strings, which is cheap and needs no parse; the parser then checks it properly.
 * jansson reports positions within the text it was given, so they are moved to the file's:
 * lines are counted as the reader goes, and a column is counted only when a message needs
 * one. Checking and rendering calls is callrec's; keeping them the callset's.
 */
/* For madvise's MADV_HUGEPAGE. */
#define _DEFAULT_SOURCE 1
#include "reader.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "jtok.h"
#include "scan.h"

/* Bytes read from a file at a time; the buffer grows for longer lines. */
#define READER_READ_SIZE (1U << 20)
/* A file this large gets its buffers reserved up front (reader_make_room). */
#define READER_BIG_FILE (32 << 20)
#define READER_JSON_FLAGS (JSON_DECODE_ANY | JSON_REJECT_DUPLICATES)
/* Room for a message from the callset before the file's name is put in front. */
#define READER_MSG_MAX 256

/* One load: where its calls go, the call being read, and where failures are told. */
struct load {
	struct callset *set;
	struct callrec call;
	struct jtoks toks; /* the tokens of the call being read */
	char *err;
	size_t errlen;
	const char *name; /* the file being read */
};

/* The bytes of one file or buffer, and where the load stands in them. */
struct reader {
	struct load *L;
	FILE *fp;         /* NULL for a buffer */
	struct jsonw in;  /* a file's bytes in hand: in.p[0, len) */
	const char *data; /* the bytes in hand: data[0, len) */
	size_t len;
	size_t pos;    /* first byte not consumed */
	int eof;       /* nothing beyond len */
	uint64_t line; /* line of data[pos], from 1 */
	/* Columns are counted only when a message needs one: data[anchor] is at anchor_col. */
	size_t anchor;
	uint64_t anchor_col;
};

__attribute__((format(printf, 2, 3))) static int
fail(struct load *L, const char *fmt, ...)
{
	if (L->err && L->errlen) {
		int n = snprintf(L->err, L->errlen, "%s: ", L->name);
		if (n >= 0 && (size_t)n < L->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(L->err + n, L->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -1;
}

static int
fail_oom(struct load *L)
{
	return fail(L, "out of memory");
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Hands the call just read to the set; a refusal is named with the file. */
static int
keep(struct load *L, size_t index)
{
	char msg[READER_MSG_MAX];
	if (callset_add(L->set, &L->call, index, msg, sizeof(msg)) == 0)
		return 0;
	return fail(L, "%s", msg);
}

/*
 * One record of a file: a call in the basic shape, a call in the extensive shape
 * ({"metaData":{...}, blocks..., "transcript":[...]}), or a transcript on its own
 * ({"callId":"...","transcript":[...]}, as in a /v2/calls/transcript answer).
 */
static int
call_from_json(struct load *L, const json_t *j, size_t index)
{
	char msg[READER_MSG_MAX];
	const json_t *meta;

	if (!json_is_object(j))
		return fail(L, "call %zu: call must be a JSON object", index);
	/* The company: {"users":[...]} and/or {"workspaces":[...]}, a record of its own. */
	if ((json_is_array(json_object_get(j, "users")) ||
	     json_is_array(json_object_get(j, "workspaces"))) &&
	    json_object_get(j, "id") == NULL && json_object_get(j, "metaData") == NULL) {
		if (company_add_record(&L->set->company, j, msg, sizeof(msg)) != 0)
			return fail(L, "record %zu: %s", index, msg);
		return 0;
	}
	/* A transcript's array marks it: anything else with a callId is read as a call, as the
	 * scanner reads it, and refused for its missing id. */
	if (json_object_get(j, "callId") != NULL && json_is_array(json_object_get(j, "transcript")) &&
	    json_object_get(j, "id") == NULL && json_object_get(j, "metaData") == NULL) {
		if (callset_add_transcript(L->set, j, L->name, index, msg, sizeof(msg)) != 0)
			return fail(L, "%s", msg);
		return 0;
	}
	/* Only an object under metaData makes the extensive shape: a flat call may carry a key
	 * of that name among its extra keys, as the scanner reads it too. */
	meta = json_object_get(j, "metaData");
	if (!json_is_object(meta)) {
		if (callrec_from_json(&L->call, j) < 0)
			return fail_oom(L);
		return keep(L, index);
	}
	if (callrec_from_json(&L->call, meta) < 0)
		return fail_oom(L);
	if (callset_add_extensive(L->set, &L->call, j, index, msg, sizeof(msg)) != 0)
		return fail(L, "%s", msg);
	return 0;
}

/* Column of data[pos], in characters like jansson's (UTF-8 continuation bytes do not count). */
static uint64_t
reader_col(const struct reader *rd)
{
	uint64_t col = rd->anchor_col;
	for (size_t i = rd->anchor; i < rd->pos; i++)
		col += ((unsigned char)rd->data[i] & 0xc0) != 0x80;
	return col;
}

/*
 * A call in the extensive shape, read from its tokens: the blocks are kept as the text's own
 * bytes, and metaData goes to the scanner (or, should it decline, to jansson alone). Returns
 * 0 or -1 as keep does, or 1 when the text is not an extensive call that jtok reads (not JSON
 * as jtok judges it, no metaData object, ...): jansson then reads it and words any error.
 */
static int
call_from_tokens(struct load *L, const char *p, size_t n, size_t index)
{
	char msg[READER_MSG_MAX];
	long meta;
	json_t *mj = NULL;
	int rc;

	if (jtok_parse(&L->toks, p, n) != 0 || L->toks.t[0].type != JTOK_OBJECT)
		return 1;
	meta = jtok_get(&L->toks, p, 0, "metaData");
	if (meta < 0 || L->toks.t[meta].type != JTOK_OBJECT)
		return 1;
	const struct jtok *m = &L->toks.t[meta];
	if (scan_call(&L->call, p + m->start, m->end - m->start) != 0) {
		mj = json_loadb(p + m->start, m->end - m->start, READER_JSON_FLAGS, NULL);
		if (mj == NULL)
			return 1;
		if (callrec_from_json(&L->call, mj) < 0) {
			json_decref(mj);
			return fail_oom(L);
		}
	}
	rc = callset_add_extensive_tok(L->set, &L->call, p, &L->toks, 0, index, msg, sizeof(msg));
	json_decref(mj);
	return rc == 0 ? 0 : fail(L, "%s", msg);
}

/*
 * One call from n bytes of text that start at `line` of the file, at the reader's position
 * (rd) or at the start of the line (rd NULL): the scanner first, jansson when it declines.
 */
static int
call_from_text(struct load *L, const char *p, size_t n, size_t index, uint64_t line,
               const struct reader *rd)
{
	if (scan_call(&L->call, p, n) == 0)
		return keep(L, index);
	int rc = call_from_tokens(L, p, n, index);
	if (rc != 1)
		return rc;
	json_error_t e;
	json_t *j = json_loadb(p, n, READER_JSON_FLAGS, &e);
	if (!j) {
		if (e.line < 1)
			return fail(L, "not JSON: %s", e.text);
		uint64_t col = rd ? reader_col(rd) : 1;
		uint64_t el = line + (uint64_t)e.line - 1;
		uint64_t ec = e.line == 1 ? col + (uint64_t)(e.column > 0 ? e.column : 1) - 1
		                          : (uint64_t)e.column;
		return fail(L, "not JSON: %s at line %llu column %llu", e.text,
		            (unsigned long long)el, (unsigned long long)ec);
	}
	rc = call_from_json(L, j, index);
	json_decref(j);
	return rc;
}

/*
 * Reads more of the file: keeps data[pos, len), moves it to the front and appends what can be
 * read, growing the buffer when it is full. Returns 1 when bytes came, 0 at the end, -1 on a
 * read error or out of memory (message set). Offsets from pos stay valid; pointers do not.
 */
static int
reader_fill(struct reader *rd)
{
	if (rd->eof)
		return 0;
	if (rd->pos) {
		rd->anchor_col = reader_col(rd);
		rd->anchor = 0;
		memmove(rd->in.p, rd->in.p + rd->pos, rd->len - rd->pos);
		rd->len -= rd->pos;
		rd->pos = 0;
	}
	if (rd->len == rd->in.cap) {
		rd->in.len = rd->len;
		jsonw_reserve(&rd->in, rd->in.cap ? rd->in.cap : READER_READ_SIZE);
		if (rd->in.failed)
			return fail_oom(rd->L);
	}
	rd->data = rd->in.p;
	size_t got = fread(rd->in.p + rd->len, 1, rd->in.cap - rd->len, rd->fp);
	if (got == 0) {
		if (ferror(rd->fp))
			return fail(rd->L, "cannot read: %s", strerror(errno));
		rd->eof = 1;
		return 0;
	}
	rd->len += got;
	return 1;
}

/* Consumes n bytes, counting lines. */
static void
reader_advance(struct reader *rd, size_t n)
{
	const char *p = rd->data + rd->pos;
	const char *end = p + n;
	const char *nl;
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		rd->line++;
		p = nl + 1;
		rd->anchor = (size_t)(p - rd->data);
		rd->anchor_col = 1;
	}
	rd->pos += n;
}

/*
 * Skips white space from pos + *i, refilling as needed. Returns 1 at a non-space byte (at
 * pos + *i), 0 at the end, -1 on error. With `consume` the space is consumed as it goes
 * (counting lines, and letting a refill drop it) and *i stays 0; without, nothing is consumed,
 * for a look ahead that may still hand the text from pos to a parser.
 */
static int
reader_space(struct reader *rd, size_t *i, int consume)
{
	for (;;) {
		while (rd->pos + *i < rd->len && is_space(rd->data[rd->pos + *i]))
			(*i)++;
		if (consume) {
			reader_advance(rd, *i);
			*i = 0;
		}
		if (rd->pos + *i < rd->len)
			return 1;
		int r = reader_fill(rd);
		if (r <= 0)
			return r;
	}
}

/* Consumes white space; returns 1 at a non-space byte, 0 at the end, -1 on error. */
static int
reader_skip_ws(struct reader *rd)
{
	size_t i = 0;
	return reader_space(rd, &i, 1);
}

/* Makes sure the whole input is in hand (a document parsed in one piece). */
static int
reader_fill_all(struct reader *rd)
{
	int r;
	while ((r = reader_fill(rd)) > 0)
		;
	return r;
}

/*
 * The offset just past the closing quote of the string whose opening quote is at p[i], within
 * p[0, avail), or 0 when it is not in hand: the first quote after an even run of backslashes.
 */
static size_t
string_end(const char *p, size_t i, size_t avail)
{
	const char *q = p + i + 1;
	for (;;) {
		q = memchr(q, '"', avail - (size_t)(q - p));
		if (!q)
			return 0;
		const char *b = q;
		while (b > p && b[-1] == '\\')
			b--;
		if ((q - b) % 2 == 0)
			return (size_t)(q - p) + 1;
		q++;
	}
}

/*
 * Length of the JSON value at pos, found by matching brackets outside strings; the parser
 * then checks it properly. An unterminated value runs to the end of the input.
 */
static int
reader_value_len(struct reader *rd, size_t *len)
{
	for (;;) {
		const char *p = rd->data + rd->pos;
		size_t avail = rd->len - rd->pos, i = 0, depth = 0;
		if (*p == '{' || *p == '[' || *p == '"') {
			while (i < avail) {
				char c = p[i];
				if (c == '"') {
					if ((i = string_end(p, i, avail)) == 0)
						break;
					if (depth == 0) {
						*len = i;
						return 0;
					}
					continue;
				}
				if (c == '{' || c == '[') {
					depth++;
				} else if (c == '}' || c == ']') {
					if (depth <= 1) {
						*len = i + 1;
						return 0;
					}
					depth--;
				}
				i++;
			}
		} else {
			while (i < avail && !is_space(p[i]) && p[i] != ',' && p[i] != ']' &&
			       p[i] != '}')
				i++;
			if (i < avail) {
				*len = i ? i : 1;
				return 0;
			}
		}
		int r = reader_fill(rd);
		if (r < 0)
			return -1;
		if (r == 0) {
			*len = rd->len - rd->pos;
			return 0;
		}
	}
}

static int
fail_at(struct reader *rd, const char *what)
{
	return fail(rd->L, "not JSON: %s at line %llu column %llu", what,
	            (unsigned long long)rd->line, (unsigned long long)reader_col(rd));
}

/* A JSON array of calls, element by element; pos is at the '['. */
static int
load_array(struct reader *rd)
{
	size_t index = 0;
	int r;
	reader_advance(rd, 1);
	if ((r = reader_skip_ws(rd)) < 0)
		return -1;
	if (r == 0)
		return fail_at(rd, "']' expected near end of file");
	if (rd->data[rd->pos] != ']') {
		for (;;) {
			size_t len;
			if (reader_value_len(rd, &len) < 0)
				return -1;
			if (call_from_text(rd->L, rd->data + rd->pos, len, index++, rd->line, rd) <
			    0)
				return -1;
			reader_advance(rd, len);
			if ((r = reader_skip_ws(rd)) < 0)
				return -1;
			if (r == 0)
				return fail_at(rd, "']' expected near end of file");
			char c = rd->data[rd->pos];
			if (c == ']')
				break;
			if (c != ',')
				return fail_at(rd, "',' or ']' expected");
			reader_advance(rd, 1);
			if ((r = reader_skip_ws(rd)) < 0)
				return -1;
			if (r == 0)
				return fail_at(rd, "value expected near end of file");
		}
	}
	reader_advance(rd, 1);
	if ((r = reader_skip_ws(rd)) < 0)
		return -1;
	return r ? fail_at(rd, "end of file expected") : 0;
}

/* JSON Lines from pos (the start of a line): one call per line, blank lines skipped. */
static int
load_lines(struct reader *rd)
{
	size_t index = 0;
	for (;;) {
		const char *p = rd->data + rd->pos;
		size_t avail = rd->len - rd->pos;
		const char *nl = memchr(p, '\n', avail);
		if (!nl) {
			int r = reader_fill(rd);
			if (r < 0)
				return -1;
			if (r > 0)
				continue;
			if (avail == 0)
				return 0;
		}
		size_t n = nl ? (size_t)(nl - p) : avail;
		size_t i = 0;
		while (i < n && is_space(p[i]))
			i++;
		if (i < n && call_from_text(rd->L, p, n, index++, rd->line, NULL) < 0)
			return -1;
		rd->pos += nl ? n + 1 : n;
		rd->line++;
		rd->anchor = rd->pos;
		rd->anchor_col = 1;
		if (!nl)
			return 0;
	}
}

/* A document in one piece: a page object with "calls", or one call. */
static int
load_document(struct reader *rd)
{
	json_error_t e;
	if (reader_fill_all(rd) < 0)
		return -1;
	json_t *j = json_loadb(rd->data + rd->pos, rd->len - rd->pos, READER_JSON_FLAGS, &e);
	if (!j)
		return fail(rd->L, "not JSON: %s at line %d column %d", e.text, e.line, e.column);
	int rc = 0;
	const json_t *calls = json_object_get(j, "calls");
	const json_t *transcripts = json_object_get(j, "callTranscripts");
	/* A company record ({"users":[...]}, {"workspaces":[...]}: a saved /v2/users or
	 * /v2/workspaces answer), perhaps with calls beside it. */
	int company = json_is_array(json_object_get(j, "users")) ||
	              json_is_array(json_object_get(j, "workspaces"));
	if (company) {
		char msg[READER_MSG_MAX];
		if (company_add_record(&rd->L->set->company, j, msg, sizeof(msg)) != 0)
			rc = fail(rd->L, "%s", msg);
	}
	if (rc != 0) {
		/* the company record was refused */
	} else if (json_is_array(transcripts) && calls == NULL) {
		for (size_t i = 0; rc == 0 && i < json_array_size(transcripts); i++) {
			char msg[READER_MSG_MAX];
			if (callset_add_transcript(rd->L->set, json_array_get(transcripts, i),
			                           rd->L->name, i, msg, sizeof(msg)) != 0)
				rc = fail(rd->L, "%s", msg);
		}
	} else if (json_is_array(calls)) {
		for (size_t i = 0; rc == 0 && i < json_array_size(calls); i++)
			rc = call_from_json(rd->L, json_array_get(calls, i), i);
	} else if (company) {
		/* nothing but the company */
	} else if (json_is_object(j)) {
		rc = call_from_json(rd->L, j, 0);
	} else {
		rc = fail(rd->L, "expected an array of calls, a page object with \"calls\", or "
		                 "JSON Lines");
	}
	json_decref(j);
	return rc;
}

/*
 * Tells the three formats apart by the first byte that is not white space: `[` is an array;
 * `{` is JSON Lines when the first line holds a whole object and more follows, and otherwise
 * one document (a page object, or a single call); nothing at all is an empty dataset.
 */
static int
load_reader(struct reader *rd)
{
	/* A UTF-8 byte order mark is not JSON, but editors write it. */
	if (rd->len - rd->pos < 3 && reader_fill(rd) < 0)
		return -1;
	if (rd->len - rd->pos >= 3 && memcmp(rd->data + rd->pos, "\xef\xbb\xbf", 3) == 0)
		rd->anchor = rd->pos += 3;

	/* Offsets from pos, which refills move. */
	size_t i = 0;
	int r = reader_space(rd, &i, 0);
	if (r <= 0)
		return r; /* only white space: no calls */
	if (rd->data[rd->pos + i] == '[') {
		reader_advance(rd, i);
		return load_array(rd);
	}
	if (rd->data[rd->pos + i] != '{')
		return fail(
		    rd->L,
		    "expected an array of calls, a page object with \"calls\", or JSON Lines");

	/* The end of the first line with content, then whether anything but space follows. */
	const char *nl;
	while ((nl = memchr(rd->data + rd->pos + i, '\n', rd->len - rd->pos - i)) == NULL) {
		i = rd->len - rd->pos;
		if ((r = reader_fill(rd)) < 0)
			return -1;
		if (r == 0)
			return load_document(rd);
	}
	size_t line_len = (size_t)(nl - (rd->data + rd->pos));
	i = line_len + 1;
	if ((r = reader_space(rd, &i, 0)) < 0)
		return -1;
	if (r == 0)
		return load_document(rd);
	/* More follows: JSON Lines if the first line is a whole value, else one document. */
	const char *line = rd->data + rd->pos;
	if (scan_call(&rd->L->call, line, line_len) == 0)
		return load_lines(rd);
	json_error_t e;
	json_t *j = json_loadb(line, line_len, READER_JSON_FLAGS, &e);
	if (j) {
		json_decref(j);
		return load_lines(rd);
	}
	return load_document(rd);
}

/*
 * Room for a large file's calls before they come: the text buffers are reserved at once (only
 * what is written to becomes resident), so they never grow by copying, and marked for huge
 * pages, so writing a few hundred megabytes takes a few hundred page faults rather than a
 * hundred thousand. The blocks' fragments come to about the file's size (the context and the
 * trackers are kept in more than one form, white space is dropped); flat calls' text too.
 */
static void
reader_make_room(struct callset *set, size_t size)
{
	struct jsonw *bufs[2] = {&set->text, &set->blocktext};
	long page = sysconf(_SC_PAGESIZE);

	for (int i = 0; i < 2; i++) {
		jsonw_reserve(bufs[i], size + size / 2);
		if (bufs[i]->failed || bufs[i]->p == NULL || page <= 0)
			continue;
		uintptr_t a = ((uintptr_t)bufs[i]->p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
		uintptr_t e = (uintptr_t)bufs[i]->p + bufs[i]->cap;
		if (e > a)
			(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
	}
}

static int
load_file(struct load *L, const char *path)
{
	struct reader rd = {.L = L, .line = 1, .anchor_col = 1};
	L->name = path;
	rd.fp = fopen(path, "rb");
	if (!rd.fp)
		return fail(L, "cannot read: %s", strerror(errno));
	struct stat st;
	if (fstat(fileno(rd.fp), &st) == 0 && st.st_size >= READER_BIG_FILE)
		reader_make_room(L->set, (size_t)st.st_size);
	int rc = load_reader(&rd);
	fclose(rd.fp);
	jsonw_free(&rd.in);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/*
 * A directory entry named like a fixture must be a regular file (through symbolic links). One
 * that cannot be reached (a dangling link, a loop of links) gets the message the same path
 * gets when given on its own, and a directory the one reading it would give. A FIFO, socket or
 * device is refused before it is opened: opening a FIFO with no writer would wait for ever.
 * Skipping any of these silently would serve a dataset with a file missing.
 */
static int
dir_entry_check(struct load *L, const char *full)
{
	struct stat st;
	L->name = full;
	if (stat(full, &st) < 0)
		return fail(L, "cannot read: %s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(L, "cannot read: %s", strerror(EISDIR));
	if (!S_ISREG(st.st_mode))
		return fail(L, "cannot read: not a regular file");
	return 0;
}

/* Adds dir/name to the list *names of *n (capacity *cap). Returns 0, or -1 out of memory. */
static int
name_add(char ***names, size_t *n, size_t *cap, const char *dir, const char *name)
{
	size_t len = strlen(dir) + 1 + strlen(name) + 1;
	if (*n == *cap) {
		size_t more = *cap ? *cap * 2 : 16;
		char **grown = realloc(*names, more * sizeof(**names));
		if (!grown)
			return -1;
		*names = grown;
		*cap = more;
	}
	char *full = malloc(len);
	if (!full)
		return -1;
	snprintf(full, len, "%s/%s", dir, name);
	(*names)[(*n)++] = full;
	return 0;
}

/* The .json/.jsonl files of a directory, in name order; each must be a regular file. */
static int
load_dir(struct load *L, const char *path)
{
	DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;
	struct dirent *de;
	L->name = path;
	if (!d)
		return fail(L, "cannot read: %s", strerror(errno));
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
		if (!has_suffix(de->d_name, ".json") && !has_suffix(de->d_name, ".jsonl"))
			continue;
		if (name_add(&names, &n, &cap, path, de->d_name) < 0) {
			fail_oom(L);
			goto out;
		}
	}
	if (errno != 0) {
		fail(L, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (n == 0) {
		fail(L, "no .json or .jsonl files");
		goto out;
	}
	/* Checked and read in name order, so the first bad file named is always the same. */
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++)
		if (dir_entry_check(L, names[i]) < 0 || load_file(L, names[i]) < 0)
			goto out;
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int
reader_path(struct callset *set, const char *path, char *err, size_t errlen)
{
	struct load L = {.set = set, .err = err, .errlen = errlen, .name = path};
	struct stat st;
	int rc;
	if (err && errlen)
		err[0] = '\0';
	if (stat(path, &st) < 0)
		rc = fail(&L, "cannot read: %s", strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = load_dir(&L, path);
	else
		rc = load_file(&L, path);
	callrec_free(&L.call);
	jtok_free(&L.toks);
	return rc;
}

int
reader_buffer(struct callset *set, const char *name, const char *data, size_t len, char *err,
              size_t errlen)
{
	struct load L = {.set = set, .err = err, .errlen = errlen, .name = name};
	struct reader rd = {.L = &L,
	                    .data = data ? data : "",
	                    .len = data ? len : 0,
	                    .eof = 1,
	                    .line = 1,
	                    .anchor_col = 1};
	if (err && errlen)
		err[0] = '\0';
	int rc = load_reader(&rd);
	callrec_free(&L.call);
	jtok_free(&L.toks);
	return rc;
}

enum reader_render_result
reader_call_render(enum reader_parser parser, const char *text, size_t len, char **out,
                   size_t *out_len, char *err, size_t errlen)
{
	struct callset set = {0};
	struct load L = {.set = &set, .err = err, .errlen = errlen, .name = "call"};
	enum reader_render_result res = READER_RENDER_REFUSED;
	int rc = -1;
	*out = NULL;
	*out_len = 0;
	if (err && errlen)
		err[0] = '\0';
	if (parser == READER_PARSER_FAST) {
		if (scan_call(&L.call, text, len) < 0) {
			res = READER_RENDER_PASSED;
			goto out;
		}
		rc = keep(&L, 0);
	} else {
		json_error_t e;
		json_t *j = json_loadb(text, len, READER_JSON_FLAGS, &e);
		if (!j) {
			fail(&L, "not JSON: %s at line %d column %d", e.text, e.line, e.column);
			goto out;
		}
		rc = call_from_json(&L, j, 0);
		json_decref(j);
	}
	if (rc == 0 && set.nrecs == 0) {
		/* A transcript on its own was read: no call to render. */
		fail(&L, "call 0: a transcript or a company record, not a call");
	} else if (rc == 0) {
		/* The call and its ',' are the whole text buffer. */
		*out_len = set.recs[0].len;
		*out = set.text.p;
		(*out)[*out_len] = '\0';
		set.text.p = NULL;
		res = READER_RENDER_OK;
	}
out:
	callrec_free(&L.call);
	jtok_free(&L.toks);
	callset_free(&set);
	return res;
}
