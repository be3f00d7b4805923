/*
 * test_readme.c - the README's examples, run as a reader runs them, against a server of the
 * built binary on the built-in data: every `$ command` of a ```console block (but `make` and
 * `docker` ones, which are not offline), every ```sh block shown with its output in the
 * ```console block that follows it, and the Python and Node examples of "Pointing a client at
 * it" as pasted (Node both as CommonJS and as an ES module). Each output is compared in shape
 * with what the README shows: `…` stands for anything, a requestId, a cursor or any long
 * token for what varies from run to run, and JSON the README wraps for reading is joined.
 *
 * A block runs against a fresh server with no flags, or with the ones an HTML comment
 * `<!-- server: FLAGS -->` just before the block gives. `127.0.0.1:8080` in a command becomes
 * that server's address and `build/gongmock` the binary under test (TEST_GONGMOCK_BIN).
 */
#define _DEFAULT_SOURCE /* mkdtemp, kill */
#include "harness.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define README_ELLIPSIS "\xe2\x80\xa6" /* … */

struct readme_block {
	char lang[16];
	char *text;    /* the lines between the fences */
	char *server;  /* the flags of a <!-- server: ... --> before it, or NULL */
	unsigned line; /* of the opening fence */
};

struct readme {
	struct readme_block b[256];
	size_t n;
};

static const char *
readme_path(void)
{
	return getenv("TEST_GONGMOCK_README") ? getenv("TEST_GONGMOCK_README") : "README.md";
}

static const char *
readme_bin(void)
{
	return getenv("TEST_GONGMOCK_BIN") ? getenv("TEST_GONGMOCK_BIN") : "build/gongmock";
}

static void
readme_parse(struct readme *rd)
{
	char *text = harness_read_file(readme_path(), NULL), *p = text, *server = NULL;
	unsigned line = 1;

	rd->n = 0;
	while (*p != '\0') {
		char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (strncmp(p, "<!-- server:", 12) == 0) {
			char *end = strstr(p, "-->");

			free(server);
			server = strndup(p + 12, (size_t)(end - p - 12));
		} else if (strncmp(p, "```", 3) == 0 && len > 3) {
			struct readme_block *b = &rd->b[rd->n];
			char *body = nl != NULL ? nl + 1 : p + len, *close = strstr(body, "\n```");
			unsigned at = line;

			ck_assert_uint_lt(rd->n, 256);
			snprintf(b->lang, sizeof(b->lang), "%.*s", (int)(len - 3), p + 3);
			ck_assert_msg(close != NULL, "README line %u: a block that does not end",
			              at);
			b->text = strndup(body, (size_t)(close - body + 1));
			b->server = server;
			server = NULL;
			b->line = at;
			rd->n++;
			for (; p < close + 4; p++)
				if (*p == '\n')
					line++;
			p = strchr(close + 1, '\n');
			if (p == NULL)
				break;
			p++;
			line++;
			continue;
		} else if (len > 0 && server != NULL && strncmp(p, "```", 3) != 0) {
			free(server);
			server = NULL;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
		line++;
	}
	free(server);
	free(text);
}

static void
readme_free(struct readme *rd)
{
	size_t i;

	for (i = 0; i < rd->n; i++) {
		free(rd->b[i].text);
		free(rd->b[i].server);
	}
}

/* Replaces every `from` in s by `to`; a new string. */
static char *
readme_replace(const char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	const char *p;
	char *out, *w;

	for (p = s; (p = strstr(p, from)) != NULL; p += fl)
		n++;
	out = malloc(strlen(s) + n * (tl > fl ? tl - fl : 0) + 1);
	ck_assert_ptr_nonnull(out);
	for (w = out, p = s;;) {
		const char *at = strstr(p, from);

		if (at == NULL) {
			strcpy(w, p);
			break;
		}
		memcpy(w, p, (size_t)(at - p));
		w += at - p;
		memcpy(w, to, tl);
		w += tl;
		p = at + fl;
	}
	return out;
}

/* What varies from run to run made `…`: requestIds, tokens of 24 characters or more (cursors;
 * call and speaker ids are shorter and stay), and a token the README cuts short with `…`.
 * A new string. */
static char *
readme_shape(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1), *w = out;
	const char *p = s;

	ck_assert_ptr_nonnull(out);
	while (*p != '\0') {
		size_t run = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		                       "0123456789-_.");

		if (strncmp(p, "\"requestId\":\"", 13) == 0) {
			const char *end = strchr(p + 13, '"');

			if (end != NULL) {
				w += sprintf(w, "\"requestId\":\"" README_ELLIPSIS "\"");
				p = end + 1;
				continue;
			}
		}
		/* A token cut short with `…` varies as a whole. */
		if (run > 0 && strncmp(p + run, README_ELLIPSIS, strlen(README_ELLIPSIS)) == 0) {
			w += sprintf(w, README_ELLIPSIS);
			p += run + strlen(README_ELLIPSIS);
			continue;
		}
		if (run >= 24) {
			w += sprintf(w, README_ELLIPSIS);
			p += run;
			continue;
		}
		if (run > 0) {
			memcpy(w, p, run);
			w += run;
			p += run;
			continue;
		}
		*w++ = *p++;
	}
	*w = '\0';
	return out;
}

/* Glob match: `…` in pat stands for any text. */
static int
readme_glob(const char *pat, const char *s)
{
	const size_t el = strlen(README_ELLIPSIS);

	while (*pat != '\0') {
		if (strncmp(pat, README_ELLIPSIS, el) == 0) {
			pat += el;
			if (*pat == '\0')
				return 1;
			for (; *s != '\0'; s++)
				if (readme_glob(pat, s))
					return 1;
			return 0;
		}
		if (*s != *pat)
			return 0;
		s++;
		pat++;
	}
	return *s == '\0';
}

/* The lines of s joined, each without its leading spaces, and without a trailing newline. */
static char *
readme_join(const char *s)
{
	char *out = malloc(strlen(s) + 1), *w = out;
	const char *p = s;

	ck_assert_ptr_nonnull(out);
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		while (*p != '\0' && *p != '\n')
			*w++ = *p++;
		while (w > out && w[-1] == ' ')
			w--;
		if (*p == '\n')
			p++;
	}
	*w = '\0';
	return out;
}

/* The port the examples' server listens on, put in for 8080 in what the README shows. */
static unsigned readme_port;

/* Does output have the shape the README shows (expected)? As one joined text (JSON the README
 * wraps for reading), else line by line. */
static int
readme_same_shape(const char *expected_as_shown, const char *output)
{
	char addr[32], *expected, *se, *so;

	snprintf(addr, sizeof(addr), "127.0.0.1:%u", readme_port);
	expected = readme_replace(expected_as_shown, "127.0.0.1:8080", addr);
	se = readme_shape(expected);
	so = readme_shape(output);
	free(expected);
	char *je = readme_join(se), *jo = readme_join(so);
	int ok = readme_glob(je, jo);

	if (!ok) {
		/* Each line alike, in order. */
		char *e = se, *o = so;

		ok = 1;
		while (ok && (*e != '\0' || *o != '\0')) {
			char *ne = strchr(e, '\n'), *no = strchr(o, '\n');

			if (ne != NULL)
				*ne = '\0';
			if (no != NULL)
				*no = '\0';
			ok = readme_glob(e, o);
			e = ne != NULL ? ne + 1 : e + strlen(e);
			o = no != NULL ? no + 1 : o + strlen(o);
		}
	}
	free(se);
	free(so);
	free(je);
	free(jo);
	return ok;
}

/* A server of the binary, with the block's flags; its port. */
static unsigned
readme_server(struct harness_proc *p, const char *flags)
{
	const char *argv[24] = {"--port", "0", "--quiet"};
	char *copy = flags != NULL ? strdup(flags) : NULL, *tok, *save = NULL, *out;
	size_t n = 3;
	unsigned port = 0;

	for (tok = copy != NULL ? strtok_r(copy, " ", &save) : NULL; tok != NULL && n < 23;
	     tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok;
	argv[n] = NULL;
	harness_spawn(p, argv);
	out = harness_read_until(p->out, 10000, "\n");
	ck_assert_msg(sscanf(out, "listening on http://127.0.0.1:%u", &port) == 1, "%s", out);
	free(out);
	free(copy);
	readme_port = port;
	return port;
}

static void
readme_server_stop(struct harness_proc *p)
{
	kill(p->pid, SIGTERM);
	ck_assert_int_eq(harness_wait(p, 15000), 0);
}

/* Runs a shell script with the address and binary put in; its output (stdout). */
static char *
readme_run(const char *script, unsigned port)
{
	char addr[32], *a, *b, path[] = "/tmp/gongmock-readme.XXXXXX", cmd[128];
	int fd = mkstemp(path);
	FILE *f;
	char *out;
	size_t cap = 1 << 20, n;

	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	a = readme_replace(script, "127.0.0.1:8080", addr);
	b = readme_replace(a, "build/gongmock", readme_bin());
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, strlen(b)), (ssize_t)strlen(b));
	close(fd);
	snprintf(cmd, sizeof(cmd), "sh %s 2>/dev/null", path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	out = malloc(cap);
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	pclose(f);
	unlink(path);
	free(a);
	free(b);
	return out;
}

/* A command no offline test runs: it builds, installs or needs Docker. */
static int
readme_offline(const char *cmd)
{
	return strncmp(cmd, "make", 4) != 0 && strncmp(cmd, "docker", 6) != 0 &&
	       strncmp(cmd, "sudo", 4) != 0;
}

START_TEST(console_blocks_show_what_their_commands_print)
{
	struct readme rd;
	size_t i, ran = 0;

	readme_parse(&rd);
	for (i = 0; i < rd.n; i++) {
		struct readme_block *b = &rd.b[i];
		char *p = b->text;

		if (strcmp(b->lang, "console") != 0 || strncmp(p, "$ ", 2) != 0)
			continue;
		while (p != NULL && strncmp(p, "$ ", 2) == 0) {
			char *nl = strchr(p, '\n'), *next = nl != NULL ? strstr(nl, "\n$ ") : NULL;
			char *cmd = strndup(p + 2, (size_t)(nl - p - 2));
			char *expected =
			    strndup(nl + 1, next != NULL ? (size_t)(next - nl) : strlen(nl + 1));

			if (readme_offline(cmd)) {
				struct harness_proc srv;
				unsigned port = readme_server(&srv, b->server);
				char *out = readme_run(cmd, port);

				readme_server_stop(&srv);
				ck_assert_msg(
				    readme_same_shape(expected, out),
				    "README line %u: `%.300s` printed\n%.1500s\nwhere the README shows\n%.1500s",
				    b->line, cmd, out, expected);
				free(out);
				ran++;
			}
			free(cmd);
			free(expected);
			p = next != NULL ? next + 1 : NULL;
		}
	}
	ck_assert_uint_ge(ran, 5);
	readme_free(&rd);
}
END_TEST

START_TEST(sh_blocks_print_the_output_shown_after_them)
{
	struct readme rd;
	size_t i, ran = 0;

	readme_parse(&rd);
	for (i = 0; i + 1 < rd.n; i++) {
		struct readme_block *sh = &rd.b[i], *shown = &rd.b[i + 1];
		struct harness_proc srv;
		unsigned port;
		char *out;

		if (strcmp(sh->lang, "sh") != 0 || strcmp(shown->lang, "console") != 0 ||
		    strncmp(shown->text, "$ ", 2) == 0 || !readme_offline(sh->text))
			continue;
		port = readme_server(&srv, sh->server);
		out = readme_run(sh->text, port);
		readme_server_stop(&srv);
		ck_assert_msg(readme_same_shape(shown->text, out),
		              "README line %u: the block printed\n%.1500s\nwhere the README shows\n%.1500s",
		              sh->line, out, shown->text);
		free(out);
		ran++;
	}
	ck_assert_uint_ge(ran, 2);
	readme_free(&rd);
}
END_TEST

/* The `# 199 calls` (or `// 199 calls`) comment of the block's last line that prints. */
static char *
readme_says(const char *text, const char *print, const char *comment)
{
	const char *p = text, *last = NULL, *c, *nl;

	while ((p = strstr(p, print)) != NULL)
		last = p++;
	ck_assert_ptr_nonnull(last);
	nl = strchr(last, '\n');
	c = strstr(last, comment);
	ck_assert_msg(c != NULL && (nl == NULL || c < nl), "no %s comment on the printing line",
	              comment);
	c += strlen(comment);
	while (*c == ' ')
		c++;
	return strndup(c, nl != NULL ? (size_t)(nl - c) : strlen(c));
}

/* The first block of lang under the README's "## Pointing a client at it". */
static const struct readme_block *
readme_client_block(const struct readme *rd, const char *lang)
{
	char *text = harness_read_file(readme_path(), NULL), *sec = strstr(text, "\n## Pointing");
	unsigned line = 1;
	const char *p;
	size_t i;

	ck_assert_ptr_nonnull(sec);
	for (p = text; p < sec; p++)
		if (*p == '\n')
			line++;
	free(text);
	for (i = 0; i < rd->n; i++)
		if (rd->b[i].line > line && strcmp(rd->b[i].lang, lang) == 0)
			return &rd->b[i];
	ck_abort_msg("no %s block under 'Pointing a client at it'", lang);
	return NULL;
}

START_TEST(the_client_examples_run_as_pasted)
{
	struct readme rd;
	const struct readme_block *py, *js;
	struct harness_proc srv;
	unsigned port;
	char dir[] = "/tmp/gongmock-readme-js.XXXXXX", script[4096], *want, *out, *code;
	FILE *f;

	readme_parse(&rd);
	py = readme_client_block(&rd, "python");
	js = readme_client_block(&rd, "js");
	port = readme_server(&srv, NULL);

	want = readme_says(py->text, "print(", "#");
	code = readme_replace(py->text, "'", "'\"'\"'");
	snprintf(script, sizeof(script), "/usr/bin/python3 -c '%s'", code);
	out = readme_run(script, port);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0,
	              "Python printed '%s', the README says '%s'", out, want);
	free(out);
	free(code);
	free(want);

	want = readme_says(js->text, "console.log(", "//");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	{
		char path[128], *a, addr[32];

		snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
		a = readme_replace(js->text, "127.0.0.1:8080", addr);
		/* In a CommonJS project, and as an ES module. */
		snprintf(path, sizeof(path), "%s/package.json", dir);
		f = fopen(path, "w");
		fputs("{\"type\":\"commonjs\"}\n", f);
		fclose(f);
		snprintf(path, sizeof(path), "%s/example.js", dir);
		f = fopen(path, "w");
		fputs(a, f);
		fclose(f);
		snprintf(path, sizeof(path), "%s/example.mjs", dir);
		f = fopen(path, "w");
		fputs(a, f);
		fclose(f);
		free(a);
	}
	snprintf(script, sizeof(script), "node %s/example.js", dir);
	out = readme_run(script, port);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0,
	              "Node (CommonJS) printed '%s', the README says '%s'", out, want);
	free(out);
	snprintf(script, sizeof(script), "node %s/example.mjs", dir);
	out = readme_run(script, port);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0,
	              "Node (ES module) printed '%s', the README says '%s'", out, want);
	free(out);
	free(want);
	snprintf(script, sizeof(script), "rm -rf %s", dir);
	ck_assert_int_eq(system(script), 0);
	readme_server_stop(&srv);
	readme_free(&rd);
}
END_TEST

START_TEST(shapes_are_compared_as_meant)
{
	ck_assert(readme_same_shape("{\"a\":\"…\",\"b\":1}\n", "{\"a\":\"xyz\",\"b\":1}\n"));
	ck_assert(!readme_same_shape("{\"a\":\"…\",\"b\":1}\n", "{\"a\":\"xyz\",\"b\":2}\n"));
	ck_assert(readme_same_shape("{\"requestId\":\"abc\",\"x\":[\n \"y\"]}\n",
	                            "{\"requestId\":\"k2j3h4\",\"x\":[\"y\"]}\n"));
	ck_assert(readme_same_shape("200 200 200 429\n", "200 200 200 429 "));
	ck_assert(!readme_same_shape("200 200 200 429\n", "200 200 429 429 "));
	ck_assert(
	    readme_same_shape("{\"cursor\":\"eyJhbGciOiJIUzI1NiJ9…\"}\n",
	                      "{\"cursor\":\"eyJhbGciOiJIUzI1NiJ9.eyJhbGciOiJIUzI1NiJ9\"}\n"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("readme");
	TCase *t = tcase_create("readme");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, shapes_are_compared_as_meant);
	tcase_add_test(t, console_blocks_show_what_their_commands_print);
	tcase_add_test(t, sh_blocks_print_the_output_shown_after_them);
	tcase_add_test(t, the_client_examples_run_as_pasted);
	suite_add_tcase(s, t);
	return harness_run(s);
}
