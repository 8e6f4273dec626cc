/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The flow hash seed when the configuration gives none: a random one made
 * at the first start and kept in the state directory (file `seed`), so that
 * no one can compute offline which flows land together (a public default
 * would let an attacker fill chosen flow-table sets or steer all its flows
 * to one server), and restarts keep every flow where it was. Routers that
 * share flows by ECMP need one seed: the operator copies it into `seed:`.
 */
#ifndef XDPCAST_SEED_FILE_H
#define XDPCAST_SEED_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "state_dir.h"

#define SEED_FILE_NAME "seed"
#define SEED_FILE_MAX 64 /* a longer file is not one of ours */

enum seed_source {
	SEED_FROM_CONFIG, /* `seed:` */
	SEED_FROM_FILE, /* the state directory's */
	SEED_FROM_DATAPLANE, /* no file: the running dataplane's, now kept in the file */
	SEED_GENERATED, /* no file, nothing running: a random one, now in the file */
};

/* "config", "state file", "running dataplane", "generated" */
const char *seed_source_name(enum seed_source src);

/*
 * The seed of @state_dir's file into @seed. Without the file: @running
 * (the adopted dataplane's seed, or NULL) or a random one, written there
 * (mode 0600, on disk before this returns). A file that holds anything but
 * one 32-bit number is refused, never replaced: flows would move and the
 * routers that share it would disagree. 0, or -errno with what and where.
 */
int seed_file_resolve(const char *state_dir, const uint32_t *running, uint32_t *seed,
		      enum seed_source *src, char err[STATE_DIR_ERROR_MAX]);

/* The text of a seed file: "0x%08x\n" (what resolve writes, what it reads). */
int seed_file_parse(const char *text, size_t len, uint32_t *seed);

#endif /* XDPCAST_SEED_FILE_H */
