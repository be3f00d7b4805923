/*
 * main.c - the command line and the signals.
 *
 * `gongmock generate ...` makes fixture data; anything else serves. Signals are blocked in
 * every thread and taken here with sigwait, so reload and shutdown run as ordinary code on
 * the main thread instead of inside a signal handler.
 */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "flags.h"
#include "generate.h"
#include "log.h"
#include "probe.h"
#include "server.h"
#include "tls.h"

extern char **environ;

#ifndef GONGMOCK_VERSION
#define GONGMOCK_VERSION "0.1.0"
#endif

/*
 * Reloads run on their own thread: swapping the data in waits until no answer holds the old
 * data, and a held answer (a fault's delay) may take minutes. The signal loop must stay free
 * to take SIGTERM meanwhile. A SIGHUP that comes during a reload asks for one more.
 */
struct main_reload {
	struct server *srv;
	pthread_t thread;
	int started;
	atomic_int running;
	atomic_int again;
};

static void *
main_reload_run(void *cls)
{
	struct main_reload *rl = cls;
	char err[1024];

	do {
		atomic_store(&rl->again, 0);
		if (server_reload(rl->srv, err, sizeof(err)) == 0)
			log_msg("info", "reloaded: serving %zu calls (loaded in %lld ms)",
			        server_calls(rl->srv), server_load_us(rl->srv) / 1000);
		else
			log_msg("error", "reload failed, still serving the old data: %s", err);
	} while (atomic_load(&rl->again));
	atomic_store(&rl->running, 0);
	return NULL;
}

static void
main_reload_start(struct main_reload *rl)
{
	if (atomic_load(&rl->running)) {
		atomic_store(&rl->again, 1);
		log_msg("info", "reload requested while one waits for held answers: queued");
		return;
	}
	if (rl->started)
		pthread_join(rl->thread, NULL);
	rl->started = 0;
	atomic_store(&rl->running, 1);
	if (pthread_create(&rl->thread, NULL, main_reload_run, rl) != 0) {
		atomic_store(&rl->running, 0);
		log_msg("error", "reload failed: cannot start a thread for it");
		return;
	}
	rl->started = 1;
}

/* The most variables gongmock reads: one per flag. */
#define MAIN_MAX_VARS 128

/* Whether NAME (len bytes) is a variable some option reads. */
static int
main_env_known(const char *name, size_t len)
{
	char entry[128];
	char *envp[2] = {entry, NULL};
	size_t from = 0;

	if (len + 2 > sizeof(entry))
		return 0;
	memcpy(entry, name, len);
	memcpy(entry + len, "=", 2);
	return config_env_unknown(envp, &from) == NULL;
}

/*
 * The names of the variables gongmock reads, into names (pointing into *text, which the
 * caller frees); returns how many. config.h lists them only in the usage text, which prints
 * every one from the same table the parser reads: each word there that starts with the prefix
 * and names a variable config_env_unknown knows.
 */
static size_t
main_env_names(char **text, const char **names, size_t max)
{
	static const char word[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	size_t size = 0, n = 0, plen = strlen(CONFIG_ENV_PREFIX);
	FILE *f = open_memstream(text, &size);
	char *p;

	if (f == NULL) {
		*text = NULL;
		return 0;
	}
	config_usage(f);
	if (fclose(f) != 0 || *text == NULL)
		return 0;
	for (p = *text; *p != '\0' && n < max;) {
		size_t len = strspn(p, word);
		char *end = p + len;

		if (len > plen && strncmp(p, CONFIG_ENV_PREFIX, plen) == 0 &&
		    main_env_known(p, len)) {
			names[n++] = p;
			if (*end == '\0')
				break;
			*end++ = '\0'; /* the character after a word is not part of the next */
		}
		p = len > 0 ? end : p + 1;
	}
	return n;
}

/* A GONGMOCK_ variable that no option reads is most likely a misspelt one: say which. */
static void
main_warn_env(void)
{
	const char *names[MAIN_MAX_VARS];
	const char *e, *like;
	char *text = NULL;
	size_t from = 0, n = 0;
	int listed = 0;

	while ((e = config_env_unknown(environ, &from)) != NULL) {
		size_t len = strcspn(e, "=");

		if (!listed) {
			n = main_env_names(&text, names, MAIN_MAX_VARS);
			listed = 1;
		}
		like = flags_closest(e, len, names, n, strlen(CONFIG_ENV_PREFIX));
		if (like != NULL)
			log_msg("warning",
			        "%.*s is not a variable gongmock reads (did you mean %s? --help "
			        "lists them): ignored",
			        (int)len, e, like);
		else
			log_msg(
			    "warning",
			    "%.*s is not a variable gongmock reads (--help lists them): ignored",
			    (int)len, e);
	}
	free(text);
}

/* Many concurrent clients need many descriptors: take the hard limit. */
static void
main_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct server *srv;
	struct main_reload rl;
	sigset_t set;
	char err[1024];
	int code, sig;

	if (argc > 1 && strcmp(argv[1], "generate") == 0)
		return generate_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "health") == 0)
		return probe_main(argc - 1, argv + 1, environ);
	if (argc > 1 && strcmp(argv[1], "ca") == 0)
		return tls_ca_main(argc - 1, argv + 1, environ);

	config_defaults(&cfg);
	switch (config_parse_env(&cfg, argc, argv, environ, err, sizeof(err))) {
	case CONFIG_OK:
		break;
	case CONFIG_HELP:
		config_usage(stdout);
		config_release(&cfg);
		return 0;
	case CONFIG_VERSION:
		printf("gongmock %s\n", GONGMOCK_VERSION);
		config_release(&cfg);
		return 0;
	default:
		fprintf(stderr, "gongmock: %s\n", err);
		config_release(&cfg);
		return 2;
	}
	/* --quiet is --log-level warning, or less when a level below it is asked for too. */
	log_setup_level(cfg.log_format == CONFIG_LOG_JSON ? LOG_JSON : LOG_TEXT,
	                (enum log_level)(cfg.quiet && cfg.log_level > LOG_LEVEL_WARNING
	                                     ? LOG_LEVEL_WARNING
	                                     : cfg.log_level));
	main_warn_env();
	/*
	 * Each answer from an upstream, and each page of the POST views, is a buffer of its
	 * own, freed once sent. With glibc's default thresholds the free space at the top of a
	 * thread's heap goes back to the kernel after nearly every page, and the next page
	 * faults it in again: a third of the proxy's time on a 57 KB page, and most of the
	 * time of a 600 KB extensive page. Up to 32 MB of free heap is kept instead, and
	 * buffers under 8 MB never get a mapping of their own.
	 */
	(void)mallopt(M_TRIM_THRESHOLD, 32 * 1024 * 1024);
	(void)mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024);

	/* Block before any thread starts, so the server's threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	main_raise_nofile();

	srv = server_start(&cfg, err, sizeof(err), &code);
	if (srv == NULL) {
		fprintf(stderr, "gongmock: %s\n", err);
		config_release(&cfg);
		return code;
	}
	{
		const char *l = strchr(cfg.bind, ':') != NULL ? "[" : "";
		const char *r = *l != '\0' ? "]" : "";

		printf("listening on http://%s%s%s:%u\n", l, cfg.bind, r, server_port(srv));
		if (server_https_port(srv) != 0)
			printf("listening on https://%s%s%s:%u\n", l, cfg.bind, r,
			       server_https_port(srv));
	}
	fflush(stdout);
	server_announce(srv);

	memset(&rl, 0, sizeof(rl));
	rl.srv = srv;
	atomic_init(&rl.running, 0);
	atomic_init(&rl.again, 0);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			main_reload_start(&rl);
			continue;
		}
		break;
	}
	log_msg("info", "shutting down: finishing requests in flight");
	/* Once no answer is in flight nothing pins the old data, so a waiting reload ends. */
	server_halt(srv);
	if (rl.started)
		pthread_join(rl.thread, NULL);
	server_stop(srv);
	config_release(&cfg);
	return 0;
}
