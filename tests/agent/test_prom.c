/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The stats file's pieces of the Prometheus text format (prom.c): label
 * values from the configuration escaped as the format says, cut without
 * splitting an escape; the checks' latency histogram (latency_hist.c) with
 * its bucket edges, and its series as written.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "latency_hist.h"
#include "prom.h"

Test(prom, escape_plain_value_unchanged)
{
	char buf[64];

	cr_assert_str_eq(prom_escape(buf, sizeof(buf), "b1.example-dns_2"), "b1.example-dns_2");
	cr_assert_str_eq(prom_escape(buf, sizeof(buf), ""), "");
}

Test(prom, escape_backslash_quote_newline)
{
	char buf[64];

	cr_assert_str_eq(prom_escape(buf, sizeof(buf), "a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
	cr_assert_str_eq(prom_escape(buf, sizeof(buf), "\"\"\n"), "\\\"\\\"\\n");
	/* other bytes (UTF-8, tabs) are the format's as they are */
	cr_assert_str_eq(prom_escape(buf, sizeof(buf), "caf\xc3\xa9\tx"), "caf\xc3\xa9\tx");
}

Test(prom, escape_twice_the_length_always_fits)
{
	char value[] = "\\\"\n\\\"\n", buf[2 * sizeof(value) - 1];

	cr_assert_str_eq(prom_escape(buf, sizeof(buf), value), "\\\\\\\"\\n\\\\\\\"\\n");
}

Test(prom, escape_cut_never_splits_an_escape)
{
	char buf[5];

	/* room for 4 characters: an escape fits whole or not at all */
	cr_assert_str_eq(prom_escape(buf, sizeof(buf), "ab\"cd"), "ab\\\"");
	cr_assert_str_eq(prom_escape(buf, sizeof(buf), "abc\"d"), "abc");
	cr_assert_str_eq(prom_escape(buf, sizeof(buf), "abcdef"), "abcd");
	cr_assert_str_eq(prom_escape(buf, 2, "\"x"), "");
	cr_assert_str_eq(prom_escape(buf, 2, "xy"), "x");
	cr_assert_str_eq(prom_escape(buf, 1, "xy"), "");
	/* never an odd number of backslashes at the end: the quote would be escaped */
	for (size_t len = 1; len <= sizeof(buf); len++) {
		size_t n = strlen(prom_escape(buf, len, "\\\\\\\\"));

		cr_assert_eq(n % 2, 0, "len %zu: \"%s\"", len, buf);
	}
}

Test(prom, hist_bucket_edges)
{
	struct latency_hist h = { 0 };

	latency_hist_add(&h, 0.001); /* on the bound: in it (le is <=) */
	latency_hist_add(&h, 0.0010001);
	latency_hist_add(&h, 5);
	latency_hist_add(&h, 5.5); /* above the last: +Inf only */
	latency_hist_add(&h, -1); /* a clock step back: as 0 */
	latency_hist_add(&h, NAN);
	cr_assert_eq(h.count, 6);
	cr_assert_eq(h.bucket[0], 3);
	cr_assert_eq(h.bucket[1], 1);
	cr_assert_eq(h.bucket[LATENCY_HIST_BOUNDS - 1], 1);
	cr_assert_eq(h.bucket[LATENCY_HIST_BOUNDS], 1);
	cr_assert_float_eq(h.sum, 0.001 + 0.0010001 + 5 + 5.5, 1e-12);
	cr_assert_eq(latency_hist_cumulative(&h, 0), 3);
	cr_assert_eq(latency_hist_cumulative(&h, 1), 4);
	cr_assert_eq(latency_hist_cumulative(&h, LATENCY_HIST_BOUNDS - 2), 4);
	cr_assert_eq(latency_hist_cumulative(&h, LATENCY_HIST_BOUNDS - 1), 5);
	cr_assert_eq(latency_hist_cumulative(&h, LATENCY_HIST_BOUNDS), 6);
}

Test(prom, hist_bounds_ascend_from_1ms_to_5s)
{
	cr_assert_float_eq(latency_hist_bounds[0], 0.001, 1e-12);
	cr_assert_float_eq(latency_hist_bounds[LATENCY_HIST_BOUNDS - 1], 5, 1e-12);
	for (int i = 1; i < LATENCY_HIST_BOUNDS; i++)
		cr_assert_gt(latency_hist_bounds[i], latency_hist_bounds[i - 1]);
}

static char *histogram_text(const char *labels, const struct latency_hist *h)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	prom_histogram(f, "x_seconds", labels, h);
	cr_assert_eq(fclose(f), 0);
	return text;
}

Test(prom, histogram_series)
{
	struct latency_hist h = { 0 };
	char *text;

	latency_hist_add(&h, 0.0003);
	latency_hist_add(&h, 0.02);
	latency_hist_add(&h, 0.02);
	latency_hist_add(&h, 7);
	text = histogram_text("b=\"1\"", &h);
	cr_assert_str_eq(text, "x_seconds_bucket{b=\"1\",le=\"0.001\"} 1\n"
			       "x_seconds_bucket{b=\"1\",le=\"0.0025\"} 1\n"
			       "x_seconds_bucket{b=\"1\",le=\"0.005\"} 1\n"
			       "x_seconds_bucket{b=\"1\",le=\"0.01\"} 1\n"
			       "x_seconds_bucket{b=\"1\",le=\"0.025\"} 3\n"
			       "x_seconds_bucket{b=\"1\",le=\"0.05\"} 3\n"
			       "x_seconds_bucket{b=\"1\",le=\"0.1\"} 3\n"
			       "x_seconds_bucket{b=\"1\",le=\"0.25\"} 3\n"
			       "x_seconds_bucket{b=\"1\",le=\"0.5\"} 3\n"
			       "x_seconds_bucket{b=\"1\",le=\"1\"} 3\n"
			       "x_seconds_bucket{b=\"1\",le=\"2.5\"} 3\n"
			       "x_seconds_bucket{b=\"1\",le=\"5\"} 3\n"
			       "x_seconds_bucket{b=\"1\",le=\"+Inf\"} 4\n"
			       "x_seconds_sum{b=\"1\"} 7.0403000000000002\n"
			       "x_seconds_count{b=\"1\"} 4\n");
	free(text);
}

Test(prom, histogram_without_labels)
{
	struct latency_hist h = { 0 };
	char *text = histogram_text("", &h);

	cr_assert_not_null(strstr(text, "x_seconds_bucket{le=\"0.001\"} 0\n"));
	cr_assert_not_null(strstr(text, "x_seconds_bucket{le=\"+Inf\"} 0\n"));
	cr_assert_not_null(strstr(text, "\nx_seconds_sum 0\nx_seconds_count 0\n"));
	free(text);
}
