// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fuzz harness: xdpcastd's configuration loader (config.c, config_check.c, yaml_schema.c) on arbitrary
 * bytes as the contents of its file: config_load_buffer(), which
 * config_load() calls with what it read, size limit (SCHEMA_FILE_MAX)
 * included. A good file must free cleanly; a bad one must say why in one
 * bounded, printable message (it goes to the log and, after `xdpcastctl
 * reload`, into a JSON reply).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void assert_printable(const char *msg)
{
	for (const char *p = msg; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
			fprintf(stderr, "config error with byte 0x%02x at %zu: %s\n",
				(unsigned char)*p, (size_t)(p - msg), msg);
			abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[CONFIG_ERROR_MAX];
	struct config cfg;

	if (config_load_buffer("fuzz.yaml", (const char *)data, size, &cfg, err) == 0) {
		for (size_t i = 0; i < cfg.n_vips; i++)
			for (size_t j = 0; j < cfg.vips[i].n_backends; j++)
				(void)check_port(&cfg.vips[i].backends[j].check);
		config_free(&cfg);
		return 0;
	}
	if (!err[0] || strlen(err) >= CONFIG_ERROR_MAX)
		abort();
	assert_printable(err);
	return 0;
}
