/*
 * test_docs.c - README.md's "## Flags" block names the same flags as the built binary's
 * --help, in both directions: for serve mode (`gongmock --help` against the block's
 * `gongmock [options]` lines) and for `gongmock generate --help` against its `gongmock
 * generate` lines. A flag added to a table without the README, or documented without
 * existing, fails here. The manual page (docs/gongmock.1) names every flag of both --help
 * texts and exactly the variables --help lists, and groff renders it without a warning. The
 * binary comes from TEST_GONGMOCK_BIN (default build/gongmock); the README from
 * TEST_GONGMOCK_README (default README.md, tests run from the repository's root), the page from
 * TEST_GONGMOCK_MAN.
 */
#include "harness.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOCS_MAX_FLAGS 128

/* A set of flag names, each "--word". */
struct docs_set {
	char *name[DOCS_MAX_FLAGS];
	size_t n;
};

static void
docs_add(struct docs_set *s, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strlen(s->name[i]) == len && strncmp(s->name[i], p, len) == 0)
			return;
	ck_assert_uint_lt(s->n, DOCS_MAX_FLAGS);
	s->name[s->n++] = strndup(p, len);
}

static int
docs_flag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Adds every "--word" of text[0..len) that does not continue a longer word. */
static void
docs_scan(struct docs_set *s, const char *text, size_t len)
{
	size_t i = 0;

	while (i + 2 < len) {
		size_t j;

		if (text[i] != '-' || text[i + 1] != '-' || !docs_flag_char(text[i + 2]) ||
		    text[i + 2] == '-' ||
		    (i > 0 &&
		     (docs_flag_char(text[i - 1]) || (text[i - 1] >= 'A' && text[i - 1] <= 'Z')))) {
			i++;
			continue;
		}
		for (j = i + 2; j < len && docs_flag_char(text[j]); j++)
			;
		docs_add(s, text + i, j - i);
		i = j;
	}
}

static void
docs_free(struct docs_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->name[i]);
	s->n = 0;
}

/* The names of a that b lacks, space-separated, into out. */
static void
docs_missing(const struct docs_set *a, const struct docs_set *b, char *out, size_t outlen)
{
	size_t i, j, used = 0;

	out[0] = '\0';
	for (i = 0; i < a->n; i++) {
		for (j = 0; j < b->n; j++)
			if (strcmp(a->name[i], b->name[j]) == 0)
				break;
		if (j == b->n && used < outlen)
			used += (size_t)snprintf(out + used, outlen - used, " %s", a->name[i]);
	}
}

/* What the binary prints for args (ending with "--help"), exit 0. */
static char *
docs_help(const char *const *args)
{
	struct harness_proc p;
	char *out;

	harness_spawn(&p, args);
	out = harness_read_until(p.out, 5000, NULL);
	ck_assert_int_eq(harness_wait(&p, 5000), 0);
	ck_assert_msg(strncmp(out, "usage: gongmock", 15) == 0, "not a usage text: %s", out);
	return out;
}

static char *
docs_readme(void)
{
	const char *path =
	    getenv("TEST_GONGMOCK_README") ? getenv("TEST_GONGMOCK_README") : "README.md";

	return harness_read_file(path, NULL);
}

/*
 * The flags of the README's "## Flags" code block: those of the lines from "gongmock [options]"
 * (serve) and those of the lines from "gongmock generate" (generate), an indented line going
 * with the command above it.
 */
static void
docs_readme_flags(struct docs_set *serve, struct docs_set *generate)
{
	char *text = docs_readme();
	char *p = strstr(text, "\n## Flags\n");
	char *end;
	struct docs_set *cur = NULL;

	ck_assert_msg(p != NULL, "README.md has no '## Flags' section");
	p = strstr(p, "\n```");
	ck_assert_msg(p != NULL, "no code block under '## Flags'");
	p = strchr(p + 1, '\n');
	ck_assert_ptr_nonnull(p);
	p++;
	end = strstr(p, "\n```");
	ck_assert_msg(end != NULL, "the code block under '## Flags' does not end");
	while (p <= end) {
		char *nl = strchr(p, '\n');
		size_t len = (size_t)(nl - p);

		if (strncmp(p, "gongmock generate", 17) == 0)
			cur = generate;
		else if (strncmp(p, "gongmock", 8) == 0)
			cur = serve;
		else
			ck_assert_msg(cur != NULL && (p[0] == ' ' || len == 0),
			              "a line of '## Flags' under no command: %.*s", (int)len, p);
		docs_scan(cur, p, len);
		p = nl + 1;
	}
	free(text);
}

static void
docs_compare(const char *what, const struct docs_set *help, const struct docs_set *readme)
{
	char extra[1024], missing[1024];

	ck_assert_msg(help->n > 0 && readme->n > 0, "%s: no flags found", what);
	docs_missing(help, readme, missing, sizeof(missing));
	docs_missing(readme, help, extra, sizeof(extra));
	ck_assert_msg(missing[0] == '\0' && extra[0] == '\0',
	              "%s: in --help, not in README.md's ## Flags:%s; in README.md, not in "
	              "--help:%s",
	              what, missing[0] ? missing : " none", extra[0] ? extra : " none");
}

START_TEST(readme_lists_the_serve_flags)
{
	static const char *const args[] = {"--help", NULL};
	struct docs_set help = {0}, serve = {0}, generate = {0};
	char *out = docs_help(args);

	docs_scan(&help, out, strlen(out));
	docs_readme_flags(&serve, &generate);
	docs_compare("gongmock", &help, &serve);
	free(out);
	docs_free(&help);
	docs_free(&serve);
	docs_free(&generate);
}
END_TEST

START_TEST(readme_lists_the_generate_flags)
{
	static const char *const args[] = {"generate", "--help", NULL};
	struct docs_set help = {0}, serve = {0}, generate = {0};
	char *out = docs_help(args);

	docs_scan(&help, out, strlen(out));
	docs_readme_flags(&serve, &generate);
	docs_compare("gongmock generate", &help, &generate);
	free(out);
	docs_free(&help);
	docs_free(&serve);
	docs_free(&generate);
}
END_TEST

START_TEST(flags_are_found_as_words)
{
	static const char text[] =
	    "  --bind ADDR  a--b --  ---x (--port) [--seed N] --log-format=x "
	    "X--no\n--last";
	static const char *const want[] = {"--bind", "--port", "--seed", "--log-format", "--last"};
	struct docs_set s = {0};
	size_t i;

	docs_scan(&s, text, strlen(text));
	ck_assert_uint_eq(s.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < s.n; i++)
		ck_assert_str_eq(s.name[i], want[i]);
	docs_free(&s);
}
END_TEST

/* The manual page's text, "\-" read as "-". */
static char *
docs_man(void)
{
	const char *path =
	    getenv("TEST_GONGMOCK_MAN") ? getenv("TEST_GONGMOCK_MAN") : "docs/gongmock.1";
	char *text = harness_read_file(path, NULL), *r, *w;

	ck_assert_msg(text != NULL, "cannot read %s", path);
	for (r = w = text; *r != '\0'; r++) {
		if (r[0] == '\\' && r[1] == '-')
			r++;
		*w++ = *r;
	}
	*w = '\0';
	return text;
}

/* Adds each GONGMOCK_WORD of text to s. */
static void
docs_scan_vars(struct docs_set *s, const char *text)
{
	const char *p = text;

	while ((p = strstr(p, "GONGMOCK_")) != NULL) {
		size_t n = 9;

		while ((p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_')
			n++;
		if (n > 9 && p[n - 1] != '_')
			docs_add(s, p, n);
		p += n;
	}
}

START_TEST(man_page_lists_every_flag_and_variable)
{
	static const char *const serve[] = {"--help", NULL};
	static const char *const generate[] = {"generate", "--help", NULL};
	struct docs_set help = {0}, man = {0}, vars = {0}, manvars = {0};
	char *out = docs_help(serve), *gen = docs_help(generate), *text = docs_man();
	char missing[2048];

	docs_scan(&help, out, strlen(out));
	docs_scan(&help, gen, strlen(gen));
	docs_scan(&man, text, strlen(text));
	docs_missing(&help, &man, missing, sizeof(missing));
	ck_assert_msg(missing[0] == '\0', "in --help, not in the manual page:%s", missing);
	docs_scan_vars(&vars, out);
	docs_scan_vars(&manvars, text);
	/* --help lists one variable per option. */
	ck_assert_uint_ge(vars.n, 25);
	docs_missing(&vars, &manvars, missing, sizeof(missing));
	ck_assert_msg(missing[0] == '\0', "variables in --help, not in the manual page:%s",
	              missing);
	docs_missing(&manvars, &vars, missing, sizeof(missing));
	ck_assert_msg(missing[0] == '\0', "variables in the manual page, not in --help:%s",
	              missing);
	free(out);
	free(gen);
	free(text);
	docs_free(&help);
	docs_free(&man);
	docs_free(&vars);
	docs_free(&manvars);
}
END_TEST

START_TEST(man_page_renders_without_warnings)
{
	const char *path =
	    getenv("TEST_GONGMOCK_MAN") ? getenv("TEST_GONGMOCK_MAN") : "docs/gongmock.1";
	char cmd[512], buf[4096];
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "groff -man -Tutf8 -ww -z '%s' 2>&1", path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	ck_assert_int_eq(pclose(f), 0);
	ck_assert_msg(n == 0, "groff says: %s", buf);
	/* And it is the page of gongmock, with its sections. */
	snprintf(cmd, sizeof(cmd), "MANWIDTH=80 man -l '%s' 2>&1", path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	{
		char *all = malloc(1 << 20);
		size_t used = 0;

		ck_assert_ptr_nonnull(all);
		while ((n = fread(all + used, 1, (1 << 20) - 1 - used, f)) > 0)
			used += n;
		all[used] = '\0';
		ck_assert_int_eq(pclose(f), 0);
		ck_assert_msg(strncmp(all, "GONGMOCK(1)", 11) == 0, "%.200s", all);
		ck_assert_ptr_nonnull(strstr(all, "\nSYNOPSIS\n"));
		ck_assert_ptr_nonnull(strstr(all, "\nENVIRONMENT\n"));
		ck_assert_ptr_nonnull(strstr(all, "\nEXIT STATUS\n"));
		ck_assert_ptr_nonnull(strstr(all, "\nCONTROL API\n"));
		free(all);
	}
}
END_TEST

static Suite *
docs_suite(void)
{
	Suite *s = suite_create("docs");
	TCase *t = tcase_create("docs");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, flags_are_found_as_words);
	tcase_add_test(t, readme_lists_the_serve_flags);
	tcase_add_test(t, readme_lists_the_generate_flags);
	tcase_add_test(t, man_page_lists_every_flag_and_variable);
	tcase_add_test(t, man_page_renders_without_warnings);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return harness_run(docs_suite());
}
