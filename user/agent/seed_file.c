// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The hash seed kept in the state directory (seed_file.h). */
#include "seed_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "atomic_file.h"

const char *seed_source_name(enum seed_source src)
{
	switch (src) {
	case SEED_FROM_CONFIG:
		return "config";
	case SEED_FROM_FILE:
		return "state file";
	case SEED_FROM_DATAPLANE:
		return "running dataplane";
	case SEED_GENERATED:
		return "generated";
	}
	return "?";
}

int seed_file_parse(const char *text, size_t len, uint32_t *seed)
{
	char buf[SEED_FILE_MAX + 1], *end;
	unsigned long v;

	if (len && text[len - 1] == '\n')
		len--;
	/* digits only: strtoul would take a sign and leading blanks */
	if (!len || len > SEED_FILE_MAX || memchr(text, '\0', len) || text[0] < '0' ||
	    text[0] > '9')
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*seed = (uint32_t)v;
	return 0;
}

/* The file's seed: 0, -ENOENT when there is none, else -errno with @err. */
static int read_seed(const struct state_dir *sd, uint32_t *seed, char err[STATE_DIR_ERROR_MAX])
{
	char why[128] = "";
	char *text = NULL;
	size_t len = 0;
	int e;

	/* one byte over the longest seed: a longer file is refused by the parse */
	e = state_dir_read(sd, SEED_FILE_NAME, SEED_FILE_MAX + 1, &text, &len, why, sizeof(why));
	if (e == -ENOENT)
		return e;
	/* too long, not a regular file, or not a number: not a seed of ours */
	if (e == -EINVAL || (!e && seed_file_parse(text, len, seed))) {
		e = -EINVAL;
		snprintf(why, sizeof(why), "%s",
			 "not a seed (expected one 32-bit number, such as 0x1a2b3c4d)");
	}
	free(text);
	if (e)
		snprintf(err, STATE_DIR_ERROR_MAX,
			 "%s/%s: %s: remove the file to have a new seed made (flows move), or "
			 "set `seed:` in the configuration",
			 sd->path, SEED_FILE_NAME, why[0] ? why : strerror(-e));
	return e;
}

static int write_seed(const struct state_dir *sd, uint32_t seed, char err[STATE_DIR_ERROR_MAX])
{
	char path[STATE_DIR_FILE_PATH_MAX], text[16];
	int len = snprintf(text, sizeof(text), "0x%08x\n", seed);
	int e = state_dir_file(sd, SEED_FILE_NAME, path);

	if (!e)
		e = atomic_write_file_durable(path, text, (size_t)len, 0600);
	if (e)
		snprintf(err, STATE_DIR_ERROR_MAX, "%s/%s: cannot write the seed: %s", sd->path,
			 SEED_FILE_NAME, strerror(-e));
	return e;
}

int seed_file_resolve(const char *state_dir, const uint32_t *running, uint32_t *seed,
		      enum seed_source *src, char err[STATE_DIR_ERROR_MAX])
{
	struct state_dir sd;
	int e = state_dir_open(&sd, state_dir, err);

	if (e)
		return e;
	e = read_seed(&sd, seed, err);
	*src = SEED_FROM_FILE;
	if (e == -ENOENT) {
		e = 0;
		*src = running ? SEED_FROM_DATAPLANE : SEED_GENERATED;
		if (running) {
			*seed = *running;
		} else if (getrandom(seed, sizeof(*seed), 0) != sizeof(*seed)) {
			e = -errno;
			snprintf(err, STATE_DIR_ERROR_MAX, "cannot make a random seed: %s",
				 strerror(-e));
		}
		if (!e)
			e = write_seed(&sd, *seed, err);
	}
	state_dir_close(&sd);
	return e;
}
