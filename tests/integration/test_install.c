/*
 * test_install.c - `make install` and `make uninstall` as a packager runs them: with DESTDIR
 * and PREFIX, the binary and the manual page land where they should with the right modes and
 * the right bytes, the installed binary runs, and uninstall removes exactly what install put
 * there. Runs make from the repository's root on the build directory of TEST_GONGMOCK_BIN
 * (default build/gongmock), which is already built.
 */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "harness.h"

#include <check.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The mode bits of path, or -1 when it does not exist. */
static int
install_mode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

START_TEST(install_and_uninstall_with_destdir_and_prefix)
{
	const char *bin =
	    getenv("TEST_GONGMOCK_BIN") ? getenv("TEST_GONGMOCK_BIN") : "build/gongmock";
	char dir[] = "/tmp/gongmock-install.XXXXXX", build[512], cmd[4096], out[8192], path[1024];
	char path_man[1024];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(build, sizeof(build), "%s", bin);
	dirname(build);
	/* The make that runs the tests must not lend its jobs or flags to this one. */
	snprintf(cmd, sizeof(cmd),
	         "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory install "
	         "BUILD=%s DESTDIR=%s PREFIX=/opt/gm 2>&1",
	         build, dir);
	ck_assert_msg(harness_sh(cmd, out, sizeof(out)) == 0, "%s: %s", cmd, out);

	snprintf(path, sizeof(path), "%s/opt/gm/bin/gongmock", dir);
	snprintf(path_man, sizeof(path_man), "%s/opt/gm/share/man/man1/gongmock.1", dir);
	ck_assert_int_eq(install_mode(path), 0755);
	ck_assert_int_eq(install_mode(path_man), 0644);
	snprintf(cmd, sizeof(cmd), "cmp '%s' '%s' && cmp docs/gongmock.1 '%s' 2>&1", bin, path,
	         path_man);
	ck_assert_msg(harness_sh(cmd, out, sizeof(out)) == 0, "%s", out);
	snprintf(cmd, sizeof(cmd), "'%s' --version 2>&1", path);
	ck_assert_int_eq(harness_sh(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strncmp(out, "gongmock ", 9) == 0, "%s", out);
	/* man finds the page through the installed tree. */
	snprintf(cmd, sizeof(cmd),
	         "MANWIDTH=80 man -M '%s/opt/gm/share/man' gongmock 2>&1 | head -n 4", dir);
	ck_assert_int_eq(harness_sh(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "GONGMOCK(1)") != NULL, "%s", out);

	snprintf(cmd, sizeof(cmd),
	         "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory uninstall "
	         "BUILD=%s DESTDIR=%s PREFIX=/opt/gm 2>&1",
	         build, dir);
	ck_assert_msg(harness_sh(cmd, out, sizeof(out)) == 0, "%s", out);
	ck_assert_int_eq(install_mode(path), -1);
	ck_assert_int_eq(install_mode(path_man), -1);
	/* Only the files went: the directories are left as they were made. */
	snprintf(path, sizeof(path), "%s/opt/gm/bin", dir);
	ck_assert_int_ne(install_mode(path), -1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(harness_sh(cmd, out, sizeof(out)), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("install");
	TCase *t = tcase_create("install");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, install_and_uninstall_with_destdir_and_prefix);
	suite_add_tcase(s, t);
	return harness_run(s);
}
