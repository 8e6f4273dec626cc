// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Files replaced whole through a temporary in their directory (atomic_file.h).
 * No fsync(): the stats file is rewritten every period from the event loop,
 * where an fsync could stall the probes behind a busy disk, and a file lost
 * to a crash is written again one period after the next start.
 */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int atomic_file_begin(struct atomic_file *af, const char *path)
{
	size_t len = strlen(path) + sizeof(ATOMIC_FILE_SUFFIX);
	int fd, err;

	*af = (struct atomic_file){ .path = path, .tmp = malloc(len) };
	if (!af->tmp)
		return -ENOMEM;
	snprintf(af->tmp, len, "%s" ATOMIC_FILE_SUFFIX, path);
	fd = mkostemp(af->tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(af->tmp);
		af->tmp = NULL;
		return err;
	}
	af->f = fdopen(fd, "w");
	if (!af->f) {
		err = -errno;
		close(fd);
		unlink(af->tmp);
		free(af->tmp);
		af->tmp = NULL;
		return err;
	}
	return 0;
}

static int errno_or(int fallback)
{
	return errno ? -errno : fallback;
}

int atomic_file_commit(struct atomic_file *af, mode_t mode)
{
	int err = 0;

	errno = 0;
	if (fflush(af->f) || ferror(af->f))
		err = errno_or(-EIO);
	else if (fchmod(fileno(af->f), mode))
		err = -errno;
	if (fclose(af->f) && !err)
		err = errno_or(-EIO);
	af->f = NULL;
	if (!err && rename(af->tmp, af->path))
		err = -errno;
	if (err)
		unlink(af->tmp);
	free(af->tmp);
	af->tmp = NULL;
	return err;
}

void atomic_file_abort(struct atomic_file *af)
{
	if (af->f)
		fclose(af->f);
	if (af->tmp)
		unlink(af->tmp);
	free(af->tmp);
	*af = (struct atomic_file){ 0 };
}

int atomic_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	struct atomic_file af;
	int err = atomic_file_begin(&af, path);

	if (err)
		return err;
	if (len && fwrite(data, 1, len, af.f) != len) {
		err = errno_or(-EIO);
		atomic_file_abort(&af);
		return err;
	}
	return atomic_file_commit(&af, mode);
}
