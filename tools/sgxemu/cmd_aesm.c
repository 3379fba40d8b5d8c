// SPDX-License-Identifier: MIT
/* sgxemu aesm: answer the AESM socket protocol's quote requests. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "arch/sgx_arch.h"
#include "base/log.h"
#include "base/parse.h"
#include "cpu/cpu.h"
#include "cli.h"
#include "dcap/aesm.h"
#include "dcap/dev_emu.h"

#define AESM_SOCKET "/var/run/aesmd/aesm.socket"

static volatile sig_atomic_t stop;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sgxemu aesm [--socket PATH] [--state-dir DIR] [--epc SIZE]\n\n"
		"Serve the quote requests of Intel's AESM socket protocol (the quote-ex\n"
		"family libsgx_quote_ex and DCAP's out-of-process mode use) with sgxemu's\n"
		"quoting enclave, on an emulated platform of this process, until stopped\n"
		"(SIGINT, SIGTERM).\n\n"
		"  --socket PATH     where to listen; default %s when its\n"
		"                    directory can be made and written, else\n"
		"                    $XDG_RUNTIME_DIR/sgxemu/aesm.socket\n"
		"  --state-dir DIR   the machine's state directory (as for 'sgxemu run')\n"
		"  --epc SIZE        EPC size of the service's platform (default 128M)\n",
		AESM_SOCKET);
}

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* The default socket: Intel's path when possible, else the user's runtime dir. */
static int default_socket(char *path, size_t len)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	char dir[4096];

	if ((mkdir("/var/run/aesmd", 0755) == 0 || errno == EEXIST) &&
	    access("/var/run/aesmd", W_OK) == 0) {
		snprintf(path, len, "%s", AESM_SOCKET);
		return 0;
	}
	if (!run || !*run) {
		log_err("cannot use %s and $XDG_RUNTIME_DIR is not set; give --socket PATH",
			AESM_SOCKET);
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%.4000s/sgxemu", run);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_err("cannot create %s: %s; give --socket PATH", dir, strerror(errno));
		return -errno;
	}
	snprintf(path, len, "%.4000s/aesm.socket", dir);
	return 0;
}

/* Listen on @path; a stale socket file (nobody listening) is replaced. */
static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("--socket '%s' is longer than a socket path may be (%zu)", path,
			sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		log_err("an AESM service already listens on %s", path);
		close(fd);
		return -EADDRINUSE;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		log_err("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -errno;
	}
	/* aesmd's socket is for every user of the machine. */
	chmod(path, 0666);
	return fd;
}

int cmd_aesm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "epc", required_argument, NULL, 'E' },
		{ 0 },
	};
	struct sgxemu_platform_options o = { 0 };
	struct sigaction sa = { .sa_handler = on_stop };
	static struct dcap_quoter q;
	struct dcap_dev *dev;
	char path[4096] = "", why[512];
	int opt, fd, err;
	u64 epc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 's':
			snprintf(path, sizeof(path), "%s", optarg);
			break;
		case 'S':
			o.state_dir = optarg;
			break;
		case 'E':
			if (parse_size("--epc", optarg, PLATFORM_MIN_EPC_SIZE, PLATFORM_MAX_EPC_SIZE,
				       SGX_PAGE_SIZE, &epc, why, sizeof(why))) {
				log_err("%s", why);
				return EXIT_USAGE;
			}
			o.epc_size = epc;
			break;
		default:
			return cli_usage_error("aesm", "unknown option");
		}
	}
	if (optind != argc)
		return cli_usage_error("aesm", "unexpected argument '%s'", argv[optind]);
	if (!path[0] && default_socket(path, sizeof(path)))
		return EXIT_USAGE;
	err = dcap_dev_emu(NULL, &o, &dev, why, sizeof(why));
	if (!err)
		err = dcap_quoter_init(&q, dev, o.state_dir, NULL, why, sizeof(why));
	/* Load the enclaves and make the key now, so a problem shows at once. */
	if (!err)
		err = dcap_quoter_start(&q, why, sizeof(why));
	if (err) {
		log_err("%s", why);
		return EXIT_USAGE;
	}
	fd = listen_on(path);
	if (fd < 0)
		return EXIT_USAGE;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "sgxemu aesm: listening on %s\n", path);
	err = dcap_aesm_serve(&q, fd, &stop);
	close(fd);
	unlink(path);
	dcap_quoter_stop(&q);
	dev->destroy(dev);
	if (err) {
		log_err("serving %s: %s", path, strerror(-err));
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
