// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Writing the Prometheus text format (prom.h): the escaping the format
 * requires of label values, which come from the configuration file (a
 * backend named `a"b` must not break the file), and histograms.
 */
#include "prom.h"

void prom_help(FILE *f, const char *name, const char *type, const char *text)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

const char *prom_escape(char *buf, size_t len, const char *value)
{
	size_t n = 0;

	/* n + 2 < len: room for an escaped pair and the terminating NUL */
	for (; *value && n + 2 < len; value++) {
		if (*value == '\\' || *value == '"' || *value == '\n') {
			buf[n++] = '\\';
			buf[n++] = *value == '\n' ? 'n' : *value;
		} else {
			buf[n++] = *value;
		}
	}
	/* the last character when only one more fits unescaped */
	if (*value && n + 1 < len && *value != '\\' && *value != '"' && *value != '\n')
		buf[n++] = *value;
	buf[n] = '\0';
	return buf;
}

void prom_histogram(FILE *f, const char *name, const char *labels, const struct latency_hist *h)
{
	const char *sep = labels[0] ? "," : "";

	for (int i = 0; i < LATENCY_HIST_BOUNDS; i++)
		fprintf(f, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
			latency_hist_bounds[i], (unsigned long long)latency_hist_cumulative(h, i));
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
		(unsigned long long)h->count);
	fprintf(f, "%s_sum%s%s%s %.17g\n", name, labels[0] ? "{" : "", labels, labels[0] ? "}" : "",
		h->sum);
	fprintf(f, "%s_count%s%s%s %llu\n", name, labels[0] ? "{" : "", labels,
		labels[0] ? "}" : "", (unsigned long long)h->count);
}
