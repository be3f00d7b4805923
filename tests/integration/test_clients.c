/*
 * test_clients.c - real clients with https://api.gong.io in their code reach gongmock through
 * their proxy setting alone: Python's requests (HTTPS_PROXY, REQUESTS_CA_BUNDLE) and Node's
 * fetch through undici's ProxyAgent (HTTPS_PROXY, NODE_EXTRA_CA_CERTS), both from Debian's
 * packages, each listing every call of the built-in data. The scripts are in tests/clients/.
 * Without the CA, each fails rather than going on unverified.
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "harness.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char clients_dir[64];

/* A server with its CA in a directory of the test's own; the client's environment in env. */
static void
clients_start(struct harness_server *h, char *env, size_t envlen, int trust)
{
	const char *flags[] = {"--ca-dir", NULL, "--https-port", "0", NULL};

	snprintf(clients_dir, sizeof(clients_dir), "/tmp/gongmock-clients.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(clients_dir));
	flags[1] = clients_dir;
	harness_start(h, flags);
	if (trust)
		snprintf(env, envlen,
		         "HTTPS_PROXY=http://127.0.0.1:%u REQUESTS_CA_BUNDLE=%s/ca.pem "
		         "NODE_EXTRA_CA_CERTS=%s/ca.pem NODE_PATH=/usr/share/nodejs",
		         h->port, clients_dir, clients_dir);
	else
		snprintf(env, envlen,
		         "HTTPS_PROXY=http://127.0.0.1:%u REQUESTS_CA_BUNDLE= "
		         "NODE_PATH=/usr/share/nodejs",
		         h->port);
}

static void
clients_stop(struct harness_server *h)
{
	char cmd[128];

	harness_stop(h);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", clients_dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(python_requests_lists_every_call_through_its_proxy_setting)
{
	struct harness_server h;
	char env[512], cmd[1024], out[8192];

	clients_start(&h, env, sizeof(env), 1);
	snprintf(cmd, sizeof(cmd),
	         "env -u HTTP_PROXY -u http_proxy -u https_proxy -u NO_PROXY -u no_proxy %s "
	         "/usr/bin/python3 tests/clients/list_calls.py 2>&1",
	         env);
	ck_assert_msg(harness_sh(cmd, out, sizeof(out)) == 0, "%s", out);
	ck_assert_str_eq(out, "400 calls in 4 pages\n");
	clients_stop(&h);
}
END_TEST

START_TEST(node_fetch_lists_every_call_through_a_proxy_agent)
{
	struct harness_server h;
	char env[512], cmd[1024], out[8192];

	clients_start(&h, env, sizeof(env), 1);
	snprintf(cmd, sizeof(cmd),
	         "env -u HTTP_PROXY -u http_proxy -u https_proxy -u NO_PROXY -u no_proxy %s "
	         "node tests/clients/list_calls.js 2>&1",
	         env);
	ck_assert_msg(harness_sh(cmd, out, sizeof(out)) == 0, "%s", out);
	ck_assert_str_eq(out, "400 calls in 4 pages\n");
	clients_stop(&h);
}
END_TEST

START_TEST(clients_that_do_not_trust_the_ca_fail)
{
	struct harness_server h;
	char env[512], cmd[1024], out[8192];

	clients_start(&h, env, sizeof(env), 0);
	snprintf(cmd, sizeof(cmd),
	         "env -u NODE_EXTRA_CA_CERTS -u SSL_CERT_FILE %s /usr/bin/python3 "
	         "tests/clients/list_calls.py 2>&1",
	         env);
	ck_assert_int_ne(harness_sh(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "CERTIFICATE_VERIFY_FAILED") != NULL, "%s", out);
	snprintf(cmd, sizeof(cmd),
	         "env -u NODE_EXTRA_CA_CERTS -u SSL_CERT_FILE %s node tests/clients/list_calls.js "
	         "2>&1",
	         env);
	ck_assert_int_ne(harness_sh(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "SELF_SIGNED_CERT_IN_CHAIN") != NULL, "%s", out);
	clients_stop(&h);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("clients");
	TCase *t = tcase_create("clients");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, python_requests_lists_every_call_through_its_proxy_setting);
	tcase_add_test(t, node_fetch_lists_every_call_through_a_proxy_agent);
	tcase_add_test(t, clients_that_do_not_trust_the_ca_fail);
	suite_add_tcase(s, t);
	return harness_run(s);
}
