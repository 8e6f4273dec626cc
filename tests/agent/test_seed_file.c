/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The hash seed kept in the state directory (seed_file.c, state_dir.c): made
 * at random once and read back after, the running dataplane's kept when the
 * file is gone, a damaged file refused and left alone, and a directory or
 * file that someone else could swap or write refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "seed_file.h"

#define NOBODY 65534

static char top[64], state[96], seed_path[128];

static void make_dirs(void)
{
	snprintf(top, sizeof(top), "/tmp/xdpcast-seed-XXXXXX");
	cr_assert_not_null(mkdtemp(top), "mkdtemp: %s", strerror(errno));
	snprintf(state, sizeof(state), "%s/state", top);
	snprintf(seed_path, sizeof(seed_path), "%s/seed", state);
}

static void remove_dirs(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd))
		cr_log_warn("cannot remove %s", top);
}

static void put(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static const char *content(const char *path)
{
	static char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static uint32_t resolve_ok(const uint32_t *running, enum seed_source want_src)
{
	char err[STATE_DIR_ERROR_MAX] = "";
	enum seed_source src;
	uint32_t seed;
	int ret = seed_file_resolve(state, running, &seed, &src, err);

	cr_assert_eq(ret, 0, "%s", err);
	cr_assert_eq(src, want_src, "source %s, expected %s", seed_source_name(src),
		     seed_source_name(want_src));
	return seed;
}

/* Refused with -@want_errno and a message holding @what. */
static void resolve_refused(int want_errno, const char *what)
{
	char err[STATE_DIR_ERROR_MAX] = "";
	enum seed_source src;
	uint32_t seed;
	int ret = seed_file_resolve(state, NULL, &seed, &src, err);

	cr_assert_eq(ret, -want_errno, "returned %d (%s)", ret, err);
	cr_assert_not_null(strstr(err, what), "message \"%s\" lacks \"%s\"", err, what);
	cr_assert_not_null(strstr(err, state), "message \"%s\" does not name %s", err, state);
}

Test(seed_file, made_once_then_read_back, .init = make_dirs, .fini = remove_dirs)
{
	char text[16];
	struct stat st;
	uint32_t seed = resolve_ok(NULL, SEED_GENERATED);

	cr_assert_eq(stat(state, &st), 0, "the state directory was not created");
	cr_assert_eq(st.st_mode & 07777, 0700);
	cr_assert_eq(stat(seed_path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600);
	snprintf(text, sizeof(text), "0x%08x\n", seed);
	cr_assert_str_eq(content(seed_path), text);
	cr_assert_eq(resolve_ok(NULL, SEED_FROM_FILE), seed);
	/* once there, the file rules over the running dataplane's */
	cr_assert_eq(resolve_ok(&(uint32_t){ seed ^ 1 }, SEED_FROM_FILE), seed);
}

Test(seed_file, random_not_fixed, .init = make_dirs, .fini = remove_dirs)
{
	uint32_t seeds[4];

	for (int i = 0; i < 4; i++) {
		seeds[i] = resolve_ok(NULL, SEED_GENERATED);
		cr_assert_eq(unlink(seed_path), 0);
	}
	/* four equal draws of 32 random bits: 2^-96 */
	cr_assert(seeds[0] != seeds[1] || seeds[1] != seeds[2] || seeds[2] != seeds[3],
		  "the same seed %#x four times", seeds[0]);
}

Test(seed_file, running_dataplane_kept_when_file_lost, .init = make_dirs, .fini = remove_dirs)
{
	cr_assert_eq(resolve_ok(&(uint32_t){ 0x5eed }, SEED_FROM_DATAPLANE), 0x5eed);
	cr_assert_str_eq(content(seed_path), "0x00005eed\n");
	cr_assert_eq(resolve_ok(NULL, SEED_FROM_FILE), 0x5eed);
}

Test(seed_file, written_by_hand, .init = make_dirs, .fini = remove_dirs)
{
	static const struct {
		const char *text;
		uint32_t seed;
	} good[] = { { "0x1a2b3c4d", 0x1a2b3c4d },
		     { "0x1A2B3C4D\n", 0x1a2b3c4d },
		     { "305419896\n", 305419896 },
		     { "0\n", 0 },
		     { "0xffffffff\n", 0xffffffff } };

	cr_assert_eq(mkdir(state, 0700), 0);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		put(seed_path, good[i].text, strlen(good[i].text));
		cr_assert_eq(resolve_ok(NULL, SEED_FROM_FILE), good[i].seed, "file \"%s\"",
			     good[i].text);
	}
}

Test(seed_file, damaged_file_refused_and_kept, .init = make_dirs, .fini = remove_dirs)
{
	static const char *const bad[] = { "",		"\n",	  "0x\n",  "-1\n",
					   " 5\n",	"+5\n",	  "5 \n",  "0x100000000\n",
					   "12abc\n",	"1\n2\n", "5\n\n", "seed: 5\n",
					   "0x1a2b\r\n" };
	char big[SEED_FILE_MAX + 8];

	cr_assert_eq(mkdir(state, 0700), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(seed_path, bad[i], strlen(bad[i]));
		resolve_refused(EINVAL, "not a seed");
		cr_assert_str_eq(content(seed_path), bad[i], "the file was changed");
	}
	put(seed_path, "1\0002", 3);
	resolve_refused(EINVAL, "not a seed");
	memset(big, '1', sizeof(big));
	put(seed_path, big, sizeof(big));
	resolve_refused(EINVAL, "not a seed");
}

Test(seed_file, symlink_or_fifo_at_the_file, .init = make_dirs, .fini = remove_dirs)
{
	char victim[128];

	snprintf(victim, sizeof(victim), "%s/victim", top);
	put(victim, "0x5eed\n", 7);
	cr_assert_eq(mkdir(state, 0700), 0);
	cr_assert_eq(symlink(victim, seed_path), 0);
	resolve_refused(ELOOP, "symlink");
	cr_assert_str_eq(content(victim), "0x5eed\n");
	cr_assert_eq(unlink(seed_path), 0);
	/* a FIFO without a writer: read at once (O_NONBLOCK), not waited on */
	cr_assert_eq(mkfifo(seed_path, 0600), 0);
	resolve_refused(EINVAL, "not a seed");
}

Test(seed_file, directory_others_could_write_or_swap, .init = make_dirs, .fini = remove_dirs)
{
	char real[128];

	/* a symlink as the directory */
	snprintf(real, sizeof(real), "%s/real", top);
	cr_assert_eq(mkdir(real, 0700), 0);
	cr_assert_eq(symlink(real, state), 0);
	resolve_refused(ENOTDIR, "a symlink is refused"); /* O_DIRECTORY wins over O_NOFOLLOW */
	cr_assert_eq(unlink(state), 0);
	/* writable by others */
	cr_assert_eq(mkdir(state, 0700), 0);
	cr_assert_eq(chmod(state, 0777), 0);
	resolve_refused(EPERM, "writable by group or others (mode 0777)");
	cr_assert_eq(chmod(state, 0770), 0);
	resolve_refused(EPERM, "mode 0770");
	/* someone else's */
	cr_assert_eq(chmod(state, 0700), 0);
	cr_assert_eq(chown(state, NOBODY, NOBODY), 0);
	resolve_refused(EPERM, "owned by uid 65534");
	cr_assert_eq(access(seed_path, F_OK), -1, "a seed was written into a refused directory");
}

Test(seed_file, parent_missing, .init = make_dirs, .fini = remove_dirs)
{
	snprintf(state, sizeof(state), "%s/no/such", top);
	resolve_refused(ENOENT, "cannot create it");
}
