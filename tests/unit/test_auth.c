/*
 * test_auth.c - Authorization headers with and without a credentials file, the scopes a Bearer
 * token carries and the ones an operation finds missing, and the messages a broken
 * credentials file gets. Files are written to /tmp and removed afterwards.
 */
#include "auth.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define GOOD_FILE                                                                                  \
	"{\"basic\":[{\"accessKey\":\"k1\",\"accessKeySecret\":\"s1\"},\n"                         \
	"           {\"accessKey\":\"k2\",\"accessKeySecret\":\"\"}],\n"                           \
	" \"bearer\":[{\"token\":\"good\",\"scopes\":[\"api:users:read\",\"api:calls:read:"        \
	"basic\"]},\n"                                                                             \
	"            {\"token\":\"noscope\",\"scopes\":[\"api:users:read\"]},\n"                   \
	"            {\"token\":\"bare\"}]}\n"

static struct auth *
load_ok(const char *content)
{
	char path[64], err[256] = "";
	struct auth *a;

	harness_temp_file(content, "", path, sizeof(path));
	a = auth_load(path, err, sizeof(err));
	ck_assert_msg(a != NULL, "load failed: %s", err);
	unlink(path);
	return a;
}

/* Fails unless loading content fails with a message holding the path and every `want`. */
static void
load_fails(const char *content, const char *want1, const char *want2)
{
	char path[64], err[256] = "";
	struct auth *a;

	harness_temp_file(content, "", path, sizeof(path));
	a = auth_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(a == NULL, "loaded: %s", content);
	ck_assert_msg(strstr(err, path) != NULL, "no path in: %s", err);
	ck_assert_msg(strstr(err, want1) != NULL, "no \"%s\" in: %s", want1, err);
	if (want2 != NULL)
		ck_assert_msg(strstr(err, want2) != NULL, "no \"%s\" in: %s", want2, err);
}

/* "Basic " and the standard base64 of plain, with padding. */
static const char *
basic(const char *plain)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static char out[AUTH_HEADER_MAX * 2];
	size_t len = strlen(plain), i, n;
	unsigned v;

	strcpy(out, "Basic ");
	n = strlen(out);
	for (i = 0; i < len; i += 3) {
		v = (unsigned)(unsigned char)plain[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)(unsigned char)plain[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)plain[i + 2];
		out[n++] = tab[v >> 18 & 63];
		out[n++] = tab[v >> 12 & 63];
		out[n++] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		out[n++] = i + 2 < len ? tab[v & 63] : '=';
	}
	out[n] = '\0';
	return out;
}

START_TEST(test_basic_without_file)
{
	struct auth_identity who;

	ck_assert_str_eq(basic("key:secret"), "Basic a2V5OnNlY3JldA==");
	ck_assert_int_eq(auth_check(NULL, "Basic a2V5OnNlY3JldA==", &who), AUTH_OK);
	ck_assert_int_eq(who.kind, 'b');
	ck_assert_str_eq(who.id, "key");
	/* Padding is optional; when present it must be complete. */
	ck_assert_int_eq(auth_check(NULL, "Basic a2V5OnNlY3JldA", &who), AUTH_OK);
	ck_assert_str_eq(who.id, "key");
	ck_assert_int_eq(auth_check(NULL, "Basic a2V5OnNlY3JldA=", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Basic a2V5OnNlY3JldA===", &who), AUTH_INVALID);
	/* An empty secret is still key:secret; the secret may hold colons. */
	ck_assert_int_eq(auth_check(NULL, basic("key:"), &who), AUTH_OK);
	ck_assert_int_eq(auth_check(NULL, basic("key:a:b"), &who), AUTH_OK);
	ck_assert_str_eq(who.id, "key");
	ck_assert_int_eq(auth_check(NULL, basic("key:secret"), NULL), AUTH_OK);
}
END_TEST

START_TEST(test_basic_malformed)
{
	struct auth_identity who;

	/* Bad characters: `*`, URL-safe alphabet, padding in the middle, a lone character. */
	ck_assert_int_eq(auth_check(NULL, "Basic a2V5*nNlY3JldA==", &who), AUTH_INVALID);
	ck_assert_int_eq(who.kind, 0);
	ck_assert_str_eq(who.id, "");
	ck_assert_int_eq(auth_check(NULL, "Basic a2V5-nNlY3JldA==", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Basic a2V5=nNlY3JldA==", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Basic a", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Basic ====", &who), AUTH_INVALID);
	/* No colon, an empty key, nothing at all. */
	ck_assert_int_eq(auth_check(NULL, basic("keysecret"), &who), AUTH_INVALID);
	ck_assert_int_eq(who.kind, 0);
	ck_assert_int_eq(auth_check(NULL, basic(":secret"), &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, basic(""), &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Basic", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Basic ", &who), AUTH_INVALID);
	/* Two pieces of credential. */
	ck_assert_int_eq(auth_check(NULL, "Basic a2V5 OnNlY3JldA==", &who), AUTH_INVALID);
}
END_TEST

START_TEST(test_scheme_and_spacing)
{
	struct auth_identity who;

	ck_assert_int_eq(auth_check(NULL, "basic a2V5OnNlY3JldA==", &who), AUTH_OK);
	ck_assert_int_eq(auth_check(NULL, "BASIC a2V5OnNlY3JldA==", &who), AUTH_OK);
	ck_assert_int_eq(auth_check(NULL, "bAsIc a2V5OnNlY3JldA==", &who), AUTH_OK);
	ck_assert_int_eq(auth_check(NULL, "BEARER tok", &who), AUTH_OK);
	ck_assert_int_eq(who.kind, 't');
	ck_assert_int_eq(auth_check(NULL, "bearer tok", &who), AUTH_OK);
	ck_assert_int_eq(auth_check(NULL, "  Basic   a2V5OnNlY3JldA==  ", &who), AUTH_OK);
	ck_assert_int_eq(auth_check(NULL, "Basic\ta2V5OnNlY3JldA==\t", &who), AUTH_OK);
	ck_assert_int_eq(auth_check(NULL, "Basica2V5OnNlY3JldA==", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Digest username=\"k\"", &who), AUTH_INVALID);
	ck_assert_int_eq(who.kind, 0);
	ck_assert_int_eq(auth_check(NULL, "Token tok", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Basix a2V5OnNlY3JldA==", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Proxy a2V5OnNlY3JldA==", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Beare tok", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Bearers tok", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Bas a2V5OnNlY3JldA==", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "   ", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, NULL, &who), AUTH_INVALID);
	ck_assert_int_eq(who.kind, 0);
	ck_assert_int_eq(auth_check(NULL, NULL, NULL), AUTH_INVALID);
}
END_TEST

START_TEST(test_bearer_without_file)
{
	struct auth_identity who;

	ck_assert_int_eq(auth_check(NULL, "Bearer eyJ0eXAi.abc-_~+/=", &who), AUTH_OK);
	ck_assert_int_eq(who.kind, 't');
	ck_assert_str_eq(who.id, "eyJ0eXAi.abc-_~+/=");
	ck_assert_int_eq(auth_check(NULL, "Bearer", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Bearer   ", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Bearer a b", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Bearer a\x01", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(NULL, "Bearer \xc3\xa9t\xc3\xa9", &who), AUTH_INVALID);
}
END_TEST

START_TEST(test_length_cap_and_identity)
{
	static char h[AUTH_HEADER_MAX + 2];
	char key[300];
	struct auth_identity who;
	size_t i;

	/* Exactly the cap is read; one byte more is refused. */
	memset(h, 'a', sizeof(h) - 1);
	memcpy(h, "Bearer ", 7);
	h[AUTH_HEADER_MAX] = '\0';
	ck_assert_int_eq(auth_check(NULL, h, &who), AUTH_OK);
	ck_assert_uint_eq(strlen(who.id), AUTH_HEADER_MAX - 7);
	h[AUTH_HEADER_MAX] = 'a';
	h[AUTH_HEADER_MAX + 1] = '\0';
	ck_assert_int_eq(auth_check(NULL, h, &who), AUTH_INVALID);

	/* A long access key is kept whole; bytes outside printable ASCII are masked. */
	memset(key, 'k', sizeof(key));
	strcpy(key + 200, ":s");
	ck_assert_int_eq(auth_check(NULL, basic(key), &who), AUTH_OK);
	ck_assert_uint_eq(strlen(who.id), 200);
	for (i = 0; i < 200; i++)
		ck_assert_int_eq(who.id[i], 'k');
	ck_assert_int_eq(auth_check(NULL, basic("a\nb\x7f\xff:s"), &who), AUTH_OK);
	ck_assert_str_eq(who.id, "a?b??");
}
END_TEST

START_TEST(test_with_file)
{
	struct auth *a = load_ok(GOOD_FILE);
	struct auth_identity who;

	ck_assert_int_eq(auth_check(a, basic("k1:s1"), &who), AUTH_OK);
	ck_assert_str_eq(who.id, "k1");
	ck_assert_int_eq(auth_check(a, basic("k2:"), &who), AUTH_OK);
	/* Wrong secret, a prefix of it, a longer one, another key's, an unlisted key. */
	ck_assert_int_eq(auth_check(a, basic("k1:s2"), &who), AUTH_INVALID);
	ck_assert_int_eq(who.kind, 'b');
	ck_assert_str_eq(who.id, "k1");
	ck_assert_int_eq(auth_check(a, basic("k1:s"), &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, basic("k1:s11"), &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, basic("k1:"), &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, basic("k2:s1"), &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, basic("k3:s1"), &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, basic("K1:s1"), &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, basic("k:1:s1"), &who), AUTH_INVALID);

	ck_assert_int_eq(auth_check(a, "Bearer good", &who), AUTH_OK);
	ck_assert_int_eq(who.kind, 't');
	ck_assert_str_eq(who.id, "good");
	ck_assert_int_eq(auth_check(a, "Bearer noscope", &who), AUTH_NO_SCOPE);
	ck_assert_str_eq(who.id, "noscope");
	ck_assert_int_eq(auth_check(a, "Bearer bare", &who), AUTH_NO_SCOPE);
	ck_assert_int_eq(auth_check(a, "Bearer goo", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, "Bearer goodx", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, "Bearer GOOD", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, "Bearer other", &who), AUTH_INVALID);
	ck_assert_int_eq(who.kind, 't');
	/* A key is not a token and a token is not a key. */
	ck_assert_int_eq(auth_check(a, "Bearer k1", &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, basic("good:"), &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, NULL, &who), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, "Digest k1", &who), AUTH_INVALID);
	auth_free(a);
}
END_TEST

START_TEST(test_partial_files)
{
	struct auth *a;

	a = load_ok("{\"basic\":[{\"accessKey\":\"k\",\"accessKeySecret\":\"s\"}]}");
	ck_assert_int_eq(auth_check(a, basic("k:s"), NULL), AUTH_OK);
	ck_assert_int_eq(auth_check(a, "Bearer k", NULL), AUTH_INVALID);
	auth_free(a);

	a = load_ok("{\"bearer\":[{\"token\":\"t\",\"scopes\":[\"api:calls:read:basic\"]}]}");
	ck_assert_int_eq(auth_check(a, "Bearer t", NULL), AUTH_OK);
	ck_assert_int_eq(auth_check(a, basic("t:"), NULL), AUTH_INVALID);
	auth_free(a);

	/* Nothing listed: nothing accepted, unlike no file at all. */
	a = load_ok("{}");
	ck_assert_int_eq(auth_check(a, basic("k:s"), NULL), AUTH_INVALID);
	ck_assert_int_eq(auth_check(a, "Bearer t", NULL), AUTH_INVALID);
	auth_free(a);
	a = load_ok("{\"basic\":[],\"bearer\":[]}");
	ck_assert_int_eq(auth_check(a, basic("k:s"), NULL), AUTH_INVALID);
	auth_free(a);

	/* A token listed twice, once with the scope: the scoped entry wins. */
	a = load_ok("{\"bearer\":[{\"token\":\"t\",\"scopes\":[]},"
	            "{\"token\":\"t\",\"scopes\":[\"api:calls:read:basic\"]}]}");
	ck_assert_int_eq(auth_check(a, "Bearer t", NULL), AUTH_OK);
	auth_free(a);
	auth_free(NULL);
}
END_TEST

START_TEST(test_file_errors)
{
	char err[256];

	ck_assert_ptr_null(auth_load("/nonexistent/gongmock/creds.json", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/gongmock/creds.json"));
	ck_assert_ptr_null(auth_load("/nonexistent/gongmock/creds.json", NULL, 0));

	load_fails("", "line 1", "column");
	load_fails("{\"basic\": [}", "line 1, column 12", NULL);
	load_fails("{\n \"basic\": [\n  {\"accessKey\": \"k\" \"accessKeySecret\": \"s\"}\n]}",
	           "line 3", NULL);
	load_fails("{\"basic\":[],\"basic\":[]}", "duplicate", NULL);
	load_fails("[]", "expected an object", "got a list");
	load_fails("{\"bearers\":[]}", "unknown key \"bearers\"", NULL);
	load_fails("{\"basic\":{}}", "\"basic\": expected a list, got an object", NULL);
	load_fails("{\"basic\":[\"k:s\"]}", "basic[0]: expected an object, got a string", NULL);
	load_fails("{\"basic\":[{\"accessKey\":\"k\",\"accessKeySecret\":\"s\"},"
	           "{\"accessKey\":\"k2\"}]}",
	           "basic[1]: missing \"accessKeySecret\"", NULL);
	load_fails("{\"basic\":[{\"accessKeySecret\":\"s\"}]}", "basic[0]: missing \"accessKey\"",
	           NULL);
	load_fails("{\"basic\":[{\"accessKey\":12,\"accessKeySecret\":\"s\"}]}",
	           "basic[0].accessKey: expected a string, got a number", NULL);
	load_fails("{\"basic\":[{\"accessKey\":\"k\",\"accessKeySecret\":null}]}",
	           "basic[0].accessKeySecret: expected a string, got null", NULL);
	load_fails("{\"basic\":[{\"accessKey\":\"\",\"accessKeySecret\":\"s\"}]}",
	           "basic[0].accessKey: must not be empty", NULL);
	load_fails("{\"basic\":[{\"accessKey\":\"a:b\",\"accessKeySecret\":\"s\"}]}",
	           "basic[0].accessKey: must not contain ':'", NULL);
	load_fails("{\"basic\":[{\"accessKey\":\"k\",\"secret\":\"s\"}]}",
	           "basic[0]: unknown key \"secret\"", NULL);
	load_fails("{\"bearer\":[{\"scopes\":[]}]}", "bearer[0]: missing \"token\"", NULL);
	load_fails("{\"bearer\":[{\"token\":true}]}",
	           "bearer[0].token: expected a string, got a boolean", NULL);
	load_fails("{\"bearer\":[{\"token\":\"a b\"}]}", "bearer[0].token: must be printable",
	           NULL);
	load_fails("{\"bearer\":[{\"token\":\"t\",\"scopes\":\"api:calls:read:basic\"}]}",
	           "bearer[0].scopes: expected a list, got a string", NULL);
	load_fails("{\"bearer\":[{\"token\":\"t\",\"scopes\":[\"a\",3]}]}",
	           "bearer[0].scopes[1]: expected a string, got a number", NULL);
	load_fails("{\"bearer\":[{\"token\":\"t\",\"scope\":[]}]}",
	           "bearer[0]: unknown key \"scope\"", NULL);
	load_fails("{\"bearer\":[1]}", "bearer[0]: expected an object, got a number", NULL);
}
END_TEST

#define ALL_SCOPES                                                                                 \
	(AUTH_CALLS_BASIC | AUTH_CALLS_EXTENSIVE | AUTH_CALLS_MEDIA | AUTH_CALLS_TRANSCRIPT |      \
	 AUTH_USERS | AUTH_WORKSPACES)

START_TEST(test_scope_bits)
{
	struct auth *a = load_ok(
	    "{\"basic\":[{\"accessKey\":\"k\",\"accessKeySecret\":\"s\"}],\n"
	    " \"bearer\":[{\"token\":\"all\",\"scopes\":[\"api:calls:read:basic\","
	    "\"api:calls:read:extensive\",\"api:calls:read:media-url\",\"api:calls:read:"
	    "transcript\","
	    "\"api:users:read\",\"api:workspaces:read\"]},\n"
	    "  {\"token\":\"ext\",\"scopes\":[\"api:calls:read:extensive\",\"unknown:scope\","
	    "\"API:CALLS:READ:BASIC\",\"api:calls:read:basic \"]},\n"
	    "  {\"token\":\"tx\",\"scopes\":[\"api:calls:read:transcript\"]},\n"
	    "  {\"token\":\"none\"},\n"
	    "  {\"token\":\"split\",\"scopes\":[\"api:calls:read:extensive\"]},\n"
	    "  {\"token\":\"split\",\"scopes\":[\"api:calls:read:media-url\"]}]}\n");
	struct auth_identity who;
	unsigned missing;

	missing = 0xdead;
	ck_assert_int_eq(auth_check_scopes(a, "Bearer all", ALL_SCOPES, &who, &missing), AUTH_OK);
	ck_assert_str_eq(who.id, "all");

	/* Only what is listed, spelled exactly, counts. */
	ck_assert_int_eq(auth_check_scopes(a, "Bearer ext", AUTH_CALLS_EXTENSIVE, &who, &missing),
	                 AUTH_OK);
	missing = 0;
	ck_assert_int_eq(auth_check_scopes(a, "Bearer ext", AUTH_CALLS_EXTENSIVE | AUTH_CALLS_MEDIA,
	                                   &who, &missing),
	                 AUTH_NO_SCOPE);
	ck_assert_uint_eq(missing, AUTH_CALLS_MEDIA);
	ck_assert_int_eq(who.kind, 't');
	ck_assert_str_eq(who.id, "ext");
	ck_assert_int_eq(auth_check_scopes(a, "Bearer ext", AUTH_CALLS_BASIC, &who, &missing),
	                 AUTH_NO_SCOPE);
	ck_assert_uint_eq(missing, AUTH_CALLS_BASIC);
	ck_assert_int_eq(auth_check_scopes(a, "Bearer ext",
	                                   AUTH_CALLS_BASIC | AUTH_CALLS_TRANSCRIPT |
	                                       AUTH_CALLS_MEDIA | AUTH_CALLS_EXTENSIVE,
	                                   &who, &missing),
	                 AUTH_NO_SCOPE);
	ck_assert_uint_eq(missing, AUTH_CALLS_BASIC | AUTH_CALLS_TRANSCRIPT | AUTH_CALLS_MEDIA);
	/* The old check asks for api:calls:read:basic. */
	ck_assert_int_eq(auth_check(a, "Bearer ext", &who), AUTH_NO_SCOPE);
	ck_assert_int_eq(auth_check(a, "Bearer all", &who), AUTH_OK);

	ck_assert_int_eq(auth_check_scopes(a, "Bearer tx", AUTH_CALLS_TRANSCRIPT, &who, &missing),
	                 AUTH_OK);
	ck_assert_int_eq(auth_check_scopes(a, "Bearer tx", AUTH_CALLS_EXTENSIVE, &who, &missing),
	                 AUTH_NO_SCOPE);
	ck_assert_uint_eq(missing, AUTH_CALLS_EXTENSIVE);
	ck_assert_int_eq(
	    auth_check_scopes(a, "Bearer tx", AUTH_WORKSPACES | AUTH_USERS, &who, &missing),
	    AUTH_NO_SCOPE);
	ck_assert_uint_eq(missing, AUTH_WORKSPACES | AUTH_USERS);

	/* No scope at all: enough for an operation that needs none. */
	ck_assert_int_eq(auth_check_scopes(a, "Bearer none", 0, &who, &missing), AUTH_OK);
	ck_assert_int_eq(auth_check_scopes(a, "Bearer none", AUTH_CALLS_BASIC, &who, &missing),
	                 AUTH_NO_SCOPE);
	ck_assert_uint_eq(missing, AUTH_CALLS_BASIC);
	ck_assert_int_eq(auth_check_scopes(a, "Bearer none", AUTH_CALLS_BASIC, &who, NULL),
	                 AUTH_NO_SCOPE);

	/* A token listed twice has the scopes of both entries. */
	ck_assert_int_eq(auth_check_scopes(a, "Bearer split",
	                                   AUTH_CALLS_EXTENSIVE | AUTH_CALLS_MEDIA, &who, &missing),
	                 AUTH_OK);

	/* A Basic credential has every scope; an unknown token none of this matters to. */
	ck_assert_int_eq(auth_check_scopes(a, basic("k:s"), ALL_SCOPES | 64U, &who, &missing),
	                 AUTH_OK);
	ck_assert_int_eq(who.kind, 'b');
	ck_assert_int_eq(auth_check_scopes(a, basic("k:x"), AUTH_CALLS_BASIC, &who, &missing),
	                 AUTH_INVALID);
	missing = 0xdead;
	ck_assert_int_eq(auth_check_scopes(a, "Bearer other", AUTH_CALLS_BASIC, &who, &missing),
	                 AUTH_INVALID);
	ck_assert_uint_eq(missing, 0xdead);
	ck_assert_int_eq(auth_check_scopes(a, NULL, 0, &who, &missing), AUTH_INVALID);
	auth_free(a);

	/* Without a credentials file every well-formed credential has every scope. */
	ck_assert_int_eq(auth_check_scopes(NULL, "Bearer anything", ALL_SCOPES, &who, &missing),
	                 AUTH_OK);
	ck_assert_int_eq(auth_check_scopes(NULL, basic("a:b"), ALL_SCOPES, &who, &missing),
	                 AUTH_OK);
	ck_assert_int_eq(auth_check_scopes(NULL, "Bearer", ALL_SCOPES, &who, &missing),
	                 AUTH_INVALID);
}
END_TEST

START_TEST(test_scope_names)
{
	ck_assert_str_eq(auth_scope_name(AUTH_CALLS_BASIC), "api:calls:read:basic");
	ck_assert_str_eq(auth_scope_name(AUTH_CALLS_BASIC), AUTH_SCOPE_CALLS);
	ck_assert_str_eq(auth_scope_name(AUTH_CALLS_EXTENSIVE), "api:calls:read:extensive");
	ck_assert_str_eq(auth_scope_name(AUTH_CALLS_MEDIA), "api:calls:read:media-url");
	ck_assert_str_eq(auth_scope_name(AUTH_CALLS_TRANSCRIPT), "api:calls:read:transcript");
	ck_assert_str_eq(auth_scope_name(AUTH_USERS), "api:users:read");
	ck_assert_str_eq(auth_scope_name(AUTH_WORKSPACES), "api:workspaces:read");
	/* One bit names one scope; anything else names none. */
	ck_assert_str_eq(auth_scope_name(0), "");
	ck_assert_str_eq(auth_scope_name(AUTH_CALLS_BASIC | AUTH_CALLS_MEDIA), "");
	ck_assert_str_eq(auth_scope_name(64U), "");
	ck_assert_str_eq(auth_scope_name(1U << 31), "");
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_basic_without_file);
	tcase_add_test(tc, test_basic_malformed);
	tcase_add_test(tc, test_scheme_and_spacing);
	tcase_add_test(tc, test_bearer_without_file);
	tcase_add_test(tc, test_length_cap_and_identity);
	tcase_add_test(tc, test_with_file);
	tcase_add_test(tc, test_partial_files);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_scope_bits);
	tcase_add_test(tc, test_scope_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return harness_run(auth_suite());
}
