// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Files replaced whole through a temporary in their directory (atomic_file.h).
 * No fsync() unless asked (durable): the stats file is rewritten every period
 * from the event loop, where an fsync could stall the probes behind a busy
 * disk, and a file lost to a crash is written again one period after the
 * next start. State (the seed) is written rarely and must survive a crash.
 */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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

/* After a rename: the directory entry on disk too. */
static int sync_directory_of(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return err;
}

int atomic_file_commit(struct atomic_file *af, mode_t mode)
{
	int err = 0;

	errno = 0;
	if (fflush(af->f) || ferror(af->f))
		err = errno_or(-EIO);
	else if (fchmod(fileno(af->f), mode))
		err = -errno;
	else if (af->durable && fsync(fileno(af->f)))
		err = -errno;
	if (fclose(af->f) && !err)
		err = errno_or(-EIO);
	af->f = NULL;
	if (!err && rename(af->tmp, af->path))
		err = -errno;
	else if (!err && af->durable)
		err = sync_directory_of(af->path); /* renamed already: the file is in place */
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

static int write_file(const char *path, const void *data, size_t len, mode_t mode, bool durable)
{
	struct atomic_file af;
	int err = atomic_file_begin(&af, path);

	if (err)
		return err;
	af.durable = durable;
	if (len && fwrite(data, 1, len, af.f) != len) {
		err = errno_or(-EIO);
		atomic_file_abort(&af);
		return err;
	}
	return atomic_file_commit(&af, mode);
}

int atomic_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_file(path, data, len, mode, false);
}

int atomic_write_file_durable(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_file(path, data, len, mode, true);
}
