// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdpcast-dp dump MAP: one pinned map of the dataplane, read from its pin
 * (checked against the shape this build declares) and decoded by
 * xdpcast_dp_decode.c. Each entry is an object, printed as one line of
 * key=value or, with --json, as JSON. Output is bounded: the first --limit
 * entries (all with --all), and always how many there are.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "xdpcast_dp_dump.h"
#include "xdpcast_dp_dump_impl.h"

#define EXIT_USAGE 2
#define LIMIT_DEFAULT 100
#define MAPS_MAX 32

#define add(obj, key, val) json_object_object_add(obj, key, val)

struct pinned_list {
	struct pinned maps[MAPS_MAX];
	size_t n;
};

static int list_map(void *arg, const struct bpf_map *m)
{
	struct pinned_list *l = arg;
	struct pinned *p;

	if (l->n == MAPS_MAX)
		return 0;
	p = &l->maps[l->n++];
	snprintf(p->name, sizeof(p->name), "%s", bpf_map__name(m));
	p->type = bpf_map__type(m);
	p->key_size = bpf_map__key_size(m);
	p->value_size = bpf_map__value_size(m);
	p->max_entries = bpf_map__max_entries(m);
	return 0;
}

static bool is_list_of_objects(struct json_object *v)
{
	return json_object_is_type(v, json_type_array) && json_object_array_length(v) &&
	       json_object_is_type(json_object_array_get_idx(v, 0), json_type_object);
}

/* " key=value" for each member (lists of objects left out); nested objects as parent.key, arrays of
 * scalars comma-joined. */
static void print_flat(struct json_object *o, const char *prefix)
{
	json_object_object_foreach(o, key, val)
	{
		char name[128];

		snprintf(name, sizeof(name), "%s%s", prefix, key);
		if (json_object_is_type(val, json_type_object)) {
			strncat(name, ".", sizeof(name) - strlen(name) - 1);
			print_flat(val, name);
			continue;
		}
		if (is_list_of_objects(val))
			continue; /* print_dump gives them lines of their own */
		printf(" %s=", name);
		if (json_object_is_type(val, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(val); i++)
				printf("%s%s", i ? "," : "",
				       json_object_get_string(json_object_array_get_idx(val, i)));
			if (!json_object_array_length(val))
				printf("-");
		} else {
			printf("%s", val ? json_object_get_string(val) : "-");
		}
	}
}

static void print_dump(struct dump *d)
{
	struct json_object *top = json_object_new_object();
	size_t shown = json_object_array_length(d->entries);

	add(top, "map", json_object_new_string(d->map.name));
	add(top, "max_entries", json_object_new_int64(d->map.max_entries));
	json_object_object_foreach(d->info, key, val)
	{
		add(top, key, json_object_get(val));
	}
	add(top, "count", json_object_new_int64((int64_t)d->count));
	add(top, "shown", json_object_new_int64((int64_t)shown));
	if (d->json) {
		add(top, "entries", json_object_get(d->entries));
		printf("%s\n", json_object_to_json_string_ext(
				       top, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		printf("#");
		print_flat(top, "");
		printf("\n");
		json_object_object_foreach(d->info, key, val)
		{
			for (size_t i = 0;
			     is_list_of_objects(val) && i < json_object_array_length(val); i++) {
				printf("# %s:", key);
				print_flat(json_object_array_get_idx(val, i), "");
				printf("\n");
			}
		}
		for (size_t i = 0; i < shown; i++) {
			print_flat(json_object_array_get_idx(d->entries, i), "");
			printf("\n");
		}
		if (d->count > shown)
			printf("# %lu more not shown (--all or --limit N)\n",
			       d->count - (unsigned long)shown);
	}
	json_object_put(top);
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "xdpcast-dp: dump: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n(xdpcast-dp --help for usage)\n");
	return EXIT_USAGE;
}

/* The map called @name among the pinned ones, or an error listing them. */
static int find_map(struct dump *d, const char *name)
{
	struct pinned_list l = { .n = 0 };
	char names[512] = "";
	size_t off = 0;
	int err = xdpcast_for_each_pinned_map(list_map, &l);

	if (err) {
		fprintf(stderr, "xdpcast-dp: dump: cannot list the maps: %s\n", strerror(-err));
		return 1;
	}
	for (size_t i = 0; i < l.n; i++) {
		if (!strcmp(l.maps[i].name, name)) {
			d->map = l.maps[i];
			return 0;
		}
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", i ? ", " : "",
					l.maps[i].name);
		if (off >= sizeof(names))
			break;
	}
	fprintf(stderr, "xdpcast-dp: dump: unknown map '%.64s' (maps: %s)\n", name, names);
	return EXIT_USAGE;
}

/* The pin must be the map this build declares, or its values are read wrong. */
static int check_shape(const struct dump *d, int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type == d->map.type && info.key_size == d->map.key_size &&
	    info.value_size == d->map.value_size && info.max_entries == d->map.max_entries)
		return 0;
	fprintf(stderr,
		"xdpcast-dp: dump: pinned map %s/%s is not this build's (type %u, key %u, "
		"value %u, %u entries; expected %u, %u, %u, %u): another version left it\n",
		d->pin_dir, d->map.name, info.type, info.key_size, info.value_size,
		info.max_entries, d->map.type, d->map.key_size, d->map.value_size,
		d->map.max_entries);
	return -EINVAL;
}

int xdpcast_dp_dump(const char *pin_dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },	   { "per-cpu", no_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' },	   { "slots", no_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' }, {},
	};
	struct dump d = { .pin_dir = pin_dir, .limit = LIMIT_DEFAULT };
	char *end;
	int c, fd, err;

	optind = 1; /* options before or after MAP */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			d.json = true;
			break;
		case 'c':
			d.per_cpu = true;
			break;
		case 'a':
			d.all = true;
			break;
		case 's':
			d.slots = true;
			break;
		case 'l':
			errno = 0;
			d.limit = strtoul(optarg, &end, 10);
			if (errno || *end || optarg[0] < '0' || optarg[0] > '9' || !d.limit)
				return usage_error("bad --limit '%s': expected a count >= 1",
						   optarg);
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error("%s", "expected one MAP");
	err = find_map(&d, argv[optind]);
	if (err)
		return err;
	d.ncpus = libbpf_num_possible_cpus();
	fd = d.ncpus > 0 ? dp_dump_open_pin(&d, d.map.name) : -EINVAL;
	if (fd < 0)
		return 1;
	err = check_shape(&d, fd);
	if (!err) {
		dp_dump_load_vip_names(&d);
		d.info = json_object_new_object();
		d.entries = json_object_new_array();
		err = dp_dump_decode(&d, fd);
		if (!err)
			print_dump(&d);
		else
			fprintf(stderr, "xdpcast-dp: dump %s: %s\n", d.map.name, strerror(-err));
		json_object_put(d.info);
		json_object_put(d.entries);
		free(d.vip_names);
	}
	close(fd);
	return err ? 1 : 0;
}
