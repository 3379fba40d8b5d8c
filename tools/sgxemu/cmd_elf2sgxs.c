// SPDX-License-Identifier: MIT
/*
 * sgxemu elf2sgxs: turn a statically linked enclave ELF into the SGXS
 * stream its measurement is.  Each PT_LOAD segment becomes pages of its
 * permissions; the segment holding the ".tcs" section becomes TCS pages.
 * Every page is added and fully measured, in address order.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/sgx_arch.h"
#include "base/bits.h"
#include "base/file.h"
#include "base/log.h"
#include "base/parse.h"
#include "cli.h"
#include "cpu/cpu.h"
#include "elf_layout.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sgxemu elf2sgxs [--ssaframesize N] [--size SIZE] ENCLAVE.elf -o OUT.sgxs\n\n"
		"Lay out a statically linked, position-independent enclave ELF as an SGXS\n"
		"measurement stream: PT_LOAD segments in address order, page by page,\n"
		"with SECINFO from the segment's flags; the segment that holds the .tcs\n"
		"section is made of TCS pages.  Every page is EADDed and EEXTENDed.\n\n"
		"  --ssaframesize N   SECS.SSAFRAMESIZE in pages (default 1)\n"
		"  --size SIZE        ELRANGE size, a power of two below the platform's\n"
		"                     maximum (default: the smallest that holds the image)\n"
		"  -o, --output FILE  where to write the stream (required)\n");
}

/*
 * Write the stream to OUT.tmp beside @out_path, then rename it: a failure
 * leaves no half stream under the final name.  OUT.tmp is created, never
 * opened: a file or symbolic link already there (left by an interrupted
 * run, or planted by someone else in a shared directory) is refused, not
 * followed or overwritten.
 */
static int write_out(const char *out_path, const struct elf_layout *l, const u8 *buf,
		     u32 ssaframesize, u64 size)
{
	char tmp[PATH_MAX + 8];
	FILE *out;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", out_path) >= (int)sizeof(tmp)) {
		log_err("%s: path too long", out_path);
		return EXIT_USAGE;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd < 0) {
		if (errno == EEXIST)
			log_err("%s already exists (an interrupted run's, or not ours); remove it "
				"and run again", tmp);
		else
			log_err("%s: %s", tmp, strerror(errno));
		return EXIT_USAGE;
	}
	out = fdopen(fd, "wb");
	if (!out) {
		log_err("%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return EXIT_USAGE;
	}
	err = elf_layout_write(l, buf, ssaframesize, size, out);
	if (!err && (fflush(out) || fsync(fd)))
		err = -errno;
	if (fclose(out) && !err)
		err = -errno;
	if (!err && rename(tmp, out_path))
		err = -errno;
	if (err) {
		log_err("cannot write %s: %s", out_path, strerror(-err));
		unlink(tmp);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmd_elf2sgxs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "ssaframesize", required_argument, NULL, 'S' },
		{ "size", required_argument, NULL, 'Z' },
		{ 0 },
	};
	const char *out_path = NULL, *in_path;
	struct platform_config cfg;
	struct elf_layout l;
	u64 ssaframesize = 1, size = 0, max_size, n;
	char why[512];
	size_t len;
	u8 *buf = NULL;
	int opt, rc, err;

	/* The largest SIZE the platform takes: below 2^max_enclave_size_log2.
	 * The image itself is written page by page, measured: it is bounded
	 * far lower, so that a hostile p_memsz cannot fill a disk. */
	platform_config_default(&cfg);
	max_size = 1ULL << (cfg.max_enclave_size_log2 - 1);
	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'o':
			out_path = optarg;
			break;
		case 'S':
			if (parse_count("--ssaframesize", optarg, 1, 1024, &ssaframesize, why,
					sizeof(why))) {
				log_err("%s", why);
				return EXIT_USAGE;
			}
			break;
		case 'Z':
			if (parse_size("--size", optarg, 2 * SGX_PAGE_SIZE, max_size, 1, &size, why,
				       sizeof(why))) {
				log_err("%s", why);
				return EXIT_USAGE;
			}
			if (!is_power_of_2(size)) {
				log_err("--size '%s' is not a power of two", optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			return cli_usage_error("elf2sgxs", "unknown option");
		}
	}
	if (!out_path)
		return cli_usage_error("elf2sgxs", "-o OUT.sgxs is required");
	if (argc - optind != 1)
		return cli_usage_error("elf2sgxs", "expected one ENCLAVE.elf");
	in_path = argv[optind];
	err = file_read_all(in_path, 1ULL << 31, &buf, &len);
	if (err) {
		log_err("%s: %s", in_path, file_strerror(err));
		return EXIT_USAGE;
	}
	err = elf_layout_parse(buf, len, ELF2SGXS_MAX_IMAGE, &l, why, sizeof(why));
	if (err) {
		log_err("%s: %s", in_path, err == -ENOMEM ? "out of memory" : why);
		free(buf);
		return EXIT_USAGE;
	}
	/* l.end <= ELF2SGXS_MAX_IMAGE, a power of two: no overflow. */
	for (n = 2 * SGX_PAGE_SIZE; n < l.end; n *= 2)
		;
	if (!size)
		size = n;
	if (size < l.end) {
		log_err("%s: the image needs %#llx bytes; --size %#llx is too small", in_path,
			(unsigned long long)l.end, (unsigned long long)size);
		rc = EXIT_USAGE;
	} else {
		rc = write_out(out_path, &l, buf, (u32)ssaframesize, size);
	}
	elf_layout_free(&l);
	free(buf);
	return rc;
}
