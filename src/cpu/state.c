// SPDX-License-Identifier: MIT
/* The platform state directory and its persisted secrets. */
#include "cpu/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "cpu/crypto.h"
#include "cpu/platform.h"

#define SECRETS_FILE "platform-secrets"
#define SECRETS_MAGIC "SGXEMU-SECRETS-1"
#define KEYID_FILE "report-keyid"
#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

struct secrets_file {
	char magic[16];
	struct platform_secrets secrets;
	u8 digest[32]; /* SHA-256 of the above, to detect damage */
};

/* mkdir -p, with 0700 for every directory we create. */
static int mkdir_p(const char *path)
{
	char tmp[4096];
	size_t i, len = strlen(path);

	if (len == 0 || len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -errno;
		tmp[i] = path[i];
	}
	return 0;
}

int state_dir_open(const char *configured, char *dir, size_t dirlen, char *why, size_t whylen)
{
	const char *env = getenv("SGXEMU_STATE_DIR"), *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	struct stat st;
	int n, err;

	if (configured && *configured)
		n = snprintf(dir, dirlen, "%s", configured);
	else if (env && *env)
		n = snprintf(dir, dirlen, "%s", env);
	else if (xdg && *xdg)
		n = snprintf(dir, dirlen, "%s/sgxemu", xdg);
	else if (home && *home)
		n = snprintf(dir, dirlen, "%s/.local/state/sgxemu", home);
	else {
		snprintf(why, whylen, "no state directory: set SGXEMU_STATE_DIR or HOME");
		return -ENOENT;
	}
	if (n < 0 || (size_t)n >= dirlen) {
		snprintf(why, whylen, "state directory path is too long");
		return -ENAMETOOLONG;
	}
	if (dir[0] != '/') {
		snprintf(why, whylen, "state directory '%s' is not an absolute path", dir);
		return -EINVAL;
	}
	err = mkdir_p(dir);
	if (err) {
		snprintf(why, whylen, "cannot create state directory %s: %s", dir, strerror(-err));
		return err;
	}
	if (stat(dir, &st) < 0) {
		err = -errno;
		snprintf(why, whylen, "cannot use state directory %s: %s", dir, strerror(errno));
		return err;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "state directory %s is not a directory", dir);
		return -ENOTDIR;
	}
	/* Whoever may write the directory may replace the secrets in it. */
	if (st.st_uid != geteuid()) {
		snprintf(why, whylen, "state directory %s belongs to uid %u, not to uid %u; use "
			 "your own (SGXEMU_STATE_DIR)", dir, (unsigned int)st.st_uid,
			 (unsigned int)geteuid());
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, whylen, "state directory %s is writable by group or others (mode "
			 "%04o); fix it with: chmod 700 %s", dir, (unsigned int)(st.st_mode & 07777),
			 dir);
		return -EPERM;
	}
	return 0;
}

/*
 * Whether the secrets file at @path may be used, the way OpenSSH checks a
 * private key: a regular file of ours that nobody else can read or write.
 * Return: 1 when there is none yet, 0 when it may be read, or -errno with
 * @why.  A symbolic link is followed; one to nothing is an error, never
 * "none yet", so its target is not created behind the user's back.
 */
static int check_secrets(const char *path, char *why, size_t whylen)
{
	char target[512];
	struct stat st;
	ssize_t n;
	int err;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 1;
		err = -errno;
		snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
		return err;
	}
	if (S_ISLNK(st.st_mode) && stat(path, &st) < 0) {
		err = -errno;
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		if (err == -ENOENT)
			snprintf(why, whylen, "%s is a symbolic link to %s, which does not exist; "
				 "restore it, or remove the link to start a new platform (keys "
				 "sealed on the old one are then lost)", path, target);
		else
			snprintf(why, whylen, "cannot read %s (a symbolic link to %s): %s", path,
				 target, strerror(-err));
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s is not a regular file; move it away to start a new "
			 "platform", path);
		return -EINVAL;
	}
	if (st.st_uid != geteuid()) {
		snprintf(why, whylen, "%s belongs to uid %u, not to uid %u; use your own state "
			 "directory (SGXEMU_STATE_DIR)", path, (unsigned int)st.st_uid,
			 (unsigned int)geteuid());
		return -EPERM;
	}
	if (st.st_mode & 077) {
		snprintf(why, whylen, "%s is accessible by group or others (mode %04o); keys "
			 "derived from it are not secret; fix it with: chmod 600 %s", path,
			 (unsigned int)(st.st_mode & 07777), path);
		return -EPERM;
	}
	return 0;
}

static void digest_of(const struct secrets_file *f, u8 out[32])
{
	crypto_sha256(f, offsetof(struct secrets_file, digest), out);
}

/* Return: 1 when there is no secrets file yet, 0, or -errno with @why. */
static int read_secrets(const char *path, struct platform_secrets *secrets, char *why,
			size_t whylen)
{
	struct secrets_file f;
	size_t len;
	u8 *buf, d[32];
	int err;

	err = check_secrets(path, why, whylen);
	if (err)
		return err;
	err = file_read_all(path, 4096, &buf, &len);
	if (err == -EFBIG)
		goto damaged;
	if (err) {
		snprintf(why, whylen, "cannot read %s: %s", path, file_strerror(err));
		return err;
	}
	if (len != sizeof(f)) {
		free(buf);
		goto damaged;
	}
	memcpy(&f, buf, sizeof(f));
	memset(buf, 0, len);
	free(buf);
	digest_of(&f, d);
	if (memcmp(f.magic, SECRETS_MAGIC, 16) || memcmp(d, f.digest, 32))
		goto damaged;
	*secrets = f.secrets;
	memset(&f, 0, sizeof(f));
	return 0;
damaged:
	snprintf(why, whylen,
		 "%s is damaged; restore it from a backup, or remove it to start a new platform "
		 "(keys sealed on the old one are then lost)",
		 path);
	return -EBADMSG;
}

int state_load_secrets(const char *dir, struct platform_secrets *secrets, char *why,
		       size_t whylen)
{
	struct secrets_file f;
	char path[4200];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, SECRETS_FILE);
	err = read_secrets(path, secrets, why, whylen);
	if (err <= 0)
		return err;
	memset(&f, 0, sizeof(f));
	memcpy(f.magic, SECRETS_MAGIC, 16);
	err = crypto_random(&f.secrets, sizeof(f.secrets));
	if (err) {
		snprintf(why, whylen, "cannot get random bytes: %s", strerror(-err));
		return err;
	}
	digest_of(&f, f.digest);
	/* Exclusive: whatever appeared there meanwhile is kept, and read. */
	err = file_write_atomic(path, &f, sizeof(f), 0600, true);
	memset(&f, 0, sizeof(f));
	if (err && err != -EEXIST) {
		snprintf(why, whylen, "cannot create %s: %s", path, strerror(-err));
		return err;
	}
	err = read_secrets(path, secrets, why, whylen);
	if (err == 1) {
		snprintf(why, whylen, "%s vanished as it was created", path);
		return -ENOENT;
	}
	return err;
}

int state_read_file(const char *dir, const char *name, size_t max, u8 **buf, size_t *len)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return file_read_all(path, max, buf, len);
}

int state_write_file(const char *dir, const char *name, const void *buf, size_t len,
		     bool exclusive)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return file_write_atomic(path, buf, len, 0600, exclusive);
}

/* The report-keyid file: the boot it belongs to, the KEYID, a digest. */
struct keyid_file {
	char boot_id[40];
	u8 keyid[32];
	u8 digest[32];
};

int state_report_keyid_for_boot(const char *dir, const char *boot_id, u8 keyid[32], char *why,
				size_t whylen)
{
	struct keyid_file f;
	char lock[4200];
	size_t len;
	u8 *buf, d[32];
	int fd, err;

	/* Two processes starting after a reboot must agree on one KEYID. */
	snprintf(lock, sizeof(lock), "%s/%s.lock", dir, KEYID_FILE);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		err = -errno;
		snprintf(why, whylen, "cannot lock %s: %s", lock, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	err = state_read_file(dir, KEYID_FILE, 4096, &buf, &len);
	if (!err) {
		if (len == sizeof(f)) {
			memcpy(&f, buf, sizeof(f));
			crypto_sha256(&f, offsetof(struct keyid_file, digest), d);
			if (!memcmp(d, f.digest, 32) &&
			    !strncmp(f.boot_id, boot_id, sizeof(f.boot_id))) {
				memcpy(keyid, f.keyid, 32);
				free(buf);
				goto out;
			}
		}
		free(buf);
	}
	/* Absent, damaged (it holds nothing secret) or of another boot: a new one. */
	memset(&f, 0, sizeof(f));
	snprintf(f.boot_id, sizeof(f.boot_id), "%s", boot_id);
	err = crypto_random(f.keyid, sizeof(f.keyid));
	if (!err) {
		crypto_sha256(&f, offsetof(struct keyid_file, digest), f.digest);
		err = state_write_file(dir, KEYID_FILE, &f, sizeof(f), false);
	}
	if (err)
		snprintf(why, whylen, "cannot write %s/%s: %s", dir, KEYID_FILE, strerror(-err));
	else
		memcpy(keyid, f.keyid, 32);
out:
	close(fd);
	return err;
}

int state_report_keyid(const char *dir, u8 keyid[32], char *why, size_t whylen)
{
	char boot_id[37] = "";
	ssize_t n = -1;
	int fd;

	/* A procfs file: its size is 0, so read it rather than file_read_all(). */
	fd = open(BOOT_ID_PATH, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, boot_id, sizeof(boot_id) - 1);
		close(fd);
	}
	boot_id[n > 0 ? n : 0] = '\0';
	boot_id[strcspn(boot_id, "\n")] = '\0';
	/* Without a boot ID (no procfs), every platform instance is a boot. */
	if (!boot_id[0])
		return crypto_random(keyid, 32);
	return state_report_keyid_for_boot(dir, boot_id, keyid, why, whylen);
}
