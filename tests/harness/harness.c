// SPDX-License-Identifier: MIT
/* Test runner: fork per test, timeout, one line per test, summary line. */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_SKIP = 77 };

#define MAX_TESTS 1024

static const struct test_case *tests[MAX_TESTS];
static unsigned int nr_tests;
static int expect_failed;
static char tmpdir[4096];

void harness_register(const struct test_case *tc)
{
	if (nr_tests == MAX_TESTS) {
		fprintf(stderr, "harness: more than %d tests in one binary\n", MAX_TESTS);
		exit(2);
	}
	tests[nr_tests++] = tc;
}

__attribute__((format(printf, 4, 0))) static void vreport(const char *kind, const char *file,
							   int line, const char *fmt, va_list ap)
{
	fprintf(stderr, "#   %s:%d: %s: ", file, line, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("assertion failed", file, line, fmt, ap);
	va_end(ap);
	fflush(NULL);
	_exit(EXIT_FAIL);
}

void harness_expect_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("expectation failed", file, line, fmt, ap);
	va_end(ap);
	expect_failed = 1;
}

void harness_skip(const char *reason)
{
	fprintf(stderr, "#   skip: %s\n", reason);
	fflush(NULL);
	_exit(EXIT_SKIP);
}

const char *harness_tmpdir(void)
{
	return tmpdir;
}

extern char **environ;

const char *harness_vectors(void)
{
	const char *v = getenv("VECTORS");
	struct stat st;

	if (!v || !*v)
		v = TEST_VECTORS;
	if (stat(v, &st) < 0)
		harness_skip("known-answer vectors not found (set VECTORS=path/to/shared/vectors)");
	return v;
}

static void slurp(const char *path, char *buf, size_t cap)
{
	ssize_t n = 0;
	int fd = open(path, O_RDONLY);

	buf[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, cap - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

int harness_run(char *const argv[], char *out, size_t outcap, char *err, size_t errcap)
{
	char outp[4200], errp[4200];
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st;

	snprintf(outp, sizeof(outp), "%s/.run-out", tmpdir);
	snprintf(errp, sizeof(errp), "%s/.run-err", tmpdir);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (err)
		posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	else
		posix_spawn_file_actions_adddup2(&fa, 1, 2);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ))
		harness_fail(__FILE__, __LINE__, "cannot run %s: %s", argv[0], strerror(errno));
	posix_spawn_file_actions_destroy(&fa);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			harness_fail(__FILE__, __LINE__, "waitpid: %s", strerror(errno));
	slurp(outp, out, outcap);
	if (err)
		slurp(errp, err, errcap);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

long harness_voluntary_switches(int tid)
{
	char path[64], line[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static void rm_rf(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);

	if (d) {
		while ((de = readdir(d))) {
			char sub[8192];

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Run one test in a child; return EXIT_PASS, EXIT_FAIL or EXIT_SKIP. */
static int run_one(const struct test_case *tc, char *why, size_t whylen)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	unsigned int timeout = tc->timeout_s;
	double deadline;
	int status, rc;
	pid_t pid;

	snprintf(tmpdir, sizeof(tmpdir), "%s/sgxemu-test.XXXXXX", base);
	if (!mkdtemp(tmpdir)) {
		snprintf(why, whylen, "mkdtemp: %s", strerror(errno));
		return EXIT_FAIL;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		rm_rf(tmpdir);
		return EXIT_FAIL;
	}
	if (pid == 0) {
		char state[8192];

		/* Tests never touch the user's real platform state. */
		snprintf(state, sizeof(state), "%s/state", tmpdir);
		setenv("SGXEMU_STATE_DIR", state, 1);
		/* Nor a machine the user runs: each test makes its own. */
		setenv("SGXEMU_MACHINE", "none", 1);
		setpgid(0, 0);
		tc->fn();
		fflush(NULL);
		_exit(expect_failed ? EXIT_FAIL : EXIT_PASS);
	}
	if (getenv("SGXEMU_TEST_TIMEOUT_MULTIPLIER"))
		timeout *= (unsigned int)atoi(getenv("SGXEMU_TEST_TIMEOUT_MULTIPLIER"));
	deadline = now() + timeout;
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			snprintf(why, whylen, "waitpid: %s", strerror(errno));
			rm_rf(tmpdir);
			return EXIT_FAIL;
		}
		if (now() > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(why, whylen, "timed out after %u s", timeout);
			rm_rf(tmpdir);
			return EXIT_FAIL;
		}
		usleep(1000);
	}
	/* Reap anything the test left behind in its process group. */
	kill(-pid, SIGKILL);
	rm_rf(tmpdir);
	if (WIFSIGNALED(status)) {
		snprintf(why, whylen, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
		return EXIT_FAIL;
	}
	rc = WEXITSTATUS(status);
	if (rc == EXIT_PASS || rc == EXIT_SKIP)
		return rc;
	snprintf(why, whylen, "exit status %d", rc);
	return EXIT_FAIL;
}

/* Whether @list (comma-separated suite.name) names @full exactly. */
static int listed(const char *list, const char *full)
{
	size_t len = strlen(full);
	const char *p;

	for (p = list; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strcspn(p, ",") == len && !strncmp(p, full, len))
			return 1;
	}
	return 0;
}

/* Run @tc: it matches -t's filter, and $SGXEMU_TEST_EXCLUDE (a build mode's
 * list of tests it cannot run, see doc/development.md) does not name it. */
static int matches(const struct test_case *tc, const char *filter)
{
	char full[512];

	snprintf(full, sizeof(full), "%s.%s", tc->suite, tc->name);
	if (listed(getenv("SGXEMU_TEST_EXCLUDE"), full))
		return 0;
	return !filter || strstr(full, filter) != NULL;
}

int main(int argc, char **argv)
{
	unsigned int passed = 0, failed = 0, skipped = 0, i, n = 0;
	const char *filter = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "lt:h")) != -1) {
		switch (opt) {
		case 'l':
			for (i = 0; i < nr_tests; i++)
				printf("%s.%s\n", tests[i]->suite, tests[i]->name);
			return 0;
		case 't':
			filter = optarg;
			break;
		default:
			printf("usage: %s [-l] [-t FILTER]\n"
			       "  -l         list the tests\n"
			       "  -t FILTER  run the tests whose suite.name contains FILTER\n",
			       argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < nr_tests; i++) {
		const struct test_case *tc = tests[i];
		char why[256] = "";
		double t0;
		int rc;

		if (!matches(tc, filter))
			continue;
		n++;
		t0 = now();
		rc = run_one(tc, why, sizeof(why));
		if (rc == EXIT_PASS) {
			passed++;
			printf("ok %u %s.%s (%.0f ms)\n", n, tc->suite, tc->name, (now() - t0) * 1e3);
		} else if (rc == EXIT_SKIP) {
			skipped++;
			printf("ok %u %s.%s # SKIP\n", n, tc->suite, tc->name);
		} else {
			failed++;
			printf("not ok %u %s.%s # %s\n", n, tc->suite, tc->name, why);
		}
	}
	printf("%u passed, %u failed, %u skipped\n", passed, failed, skipped);
	return failed || (passed + skipped) == 0 ? 1 : 0;
}
