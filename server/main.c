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
#include <string.h>
#include <sys/resource.h>

#include "config.h"
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

/* A GONGMOCK_ variable that no option reads is most likely a misspelt one. */
static void
main_warn_env(void)
{
	const char *e;
	size_t from = 0;

	while ((e = config_env_unknown(environ, &from)) != NULL)
		log_msg("warning",
		        "%.*s is not a variable gongmock reads (--help lists them): ignored",
		        (int)strcspn(e, "="), e);
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
	log_setup(cfg.log_format == CONFIG_LOG_JSON ? LOG_JSON : LOG_TEXT, cfg.quiet);
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
	log_msg("info", "serving %zu calls from %s (loaded in %lld ms)", server_calls(srv),
	        cfg.fixtures ? cfg.fixtures : "the built-in fixtures", server_load_us(srv) / 1000);

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
