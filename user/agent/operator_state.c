// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The operator's drains and weights in the state directory (operator_state.h). */
#include "operator_state.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "log.h"
#include "state_dir.h"

#define JSON_DEPTH_MAX 4 /* object, list, entry: nothing of ours is deeper */

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Only blanks in @len bytes (not NUL-terminated). */
static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n", s[i]) || !s[i])
			return false;
	return true;
}

/* A string member of @o that fits @size with its NUL, or NULL. */
static const char *member_string(struct json_object *o, const char *key, size_t size)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	if (!json_object_get_string_len(v) || (size_t)json_object_get_string_len(v) >= size ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return NULL;
	return json_object_get_string(v);
}

static int parse_entry(struct json_object *o, size_t i, struct operator_entry *e, char *err,
		       size_t errlen)
{
	const char *vip, *backend, *address;
	struct json_object *w;
	int64_t weight;

	if (!json_object_is_type(o, json_type_object))
		return bad(err, errlen, "backends[%zu]: not an object", i);
	vip = member_string(o, "vip", sizeof(e->vip));
	backend = member_string(o, "backend", sizeof(e->backend));
	address = member_string(o, "address", ADDR_TEXT_SIZE);
	if (!vip || !backend || !address)
		return bad(err, errlen,
			   "backends[%zu]: \"vip\", \"backend\" and \"address\" must be "
			   "non-empty strings of at most %d bytes",
			   i, CONFIG_NAME_MAX - 1);
	if (!addr_parse(&e->addr, address))
		return bad(err, errlen, "backends[%zu]: \"address\": not an IP address", i);
	if (!json_object_object_get_ex(o, "weight", &w) || !json_object_is_type(w, json_type_int))
		return bad(err, errlen, "backends[%zu]: \"weight\" must be an integer", i);
	weight = json_object_get_int64(w);
	if (weight < 0 || weight > XDPCAST_WEIGHT_MAX)
		return bad(err, errlen, "backends[%zu]: \"weight\" must be from 0 to %d", i,
			   XDPCAST_WEIGHT_MAX);
	snprintf(e->vip, sizeof(e->vip), "%s", vip);
	snprintf(e->backend, sizeof(e->backend), "%s", backend);
	e->weight = (uint32_t)weight;
	return 0;
}

static int parse_object(struct json_object *root, struct operator_entry **entries, size_t *n,
			char *err, size_t errlen)
{
	struct json_object *version, *list;
	struct operator_entry *e;
	size_t count;
	int ret = 0;

	if (!json_object_is_type(root, json_type_object))
		return bad(err, errlen, "not a JSON object");
	if (!json_object_object_get_ex(root, "version", &version) ||
	    !json_object_is_type(version, json_type_int) ||
	    json_object_get_int64(version) != OPERATOR_STATE_VERSION)
		return bad(err, errlen, "\"version\" is not %d", OPERATOR_STATE_VERSION);
	if (!json_object_object_get_ex(root, "backends", &list) ||
	    !json_object_is_type(list, json_type_array))
		return bad(err, errlen, "no \"backends\" list");
	count = json_object_array_length(list);
	if (count > OPERATOR_STATE_MAX_ENTRIES)
		return bad(err, errlen, "%zu entries, more than %d", count,
			   OPERATOR_STATE_MAX_ENTRIES);
	e = calloc(count ? count : 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (size_t i = 0; !ret && i < count; i++)
		ret = parse_entry(json_object_array_get_idx(list, i), i, &e[i], err, errlen);
	if (ret) {
		free(e);
		return ret;
	}
	*entries = e;
	*n = count;
	return 0;
}

int operator_state_parse(const char *text, size_t len, struct operator_entry **entries, size_t *n,
			 char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *root;
	size_t end;
	int ret;

	*entries = NULL;
	*n = 0;
	if (len > OPERATOR_STATE_MAX_BYTES)
		return bad(err, errlen, "larger than %d bytes", OPERATOR_STATE_MAX_BYTES);
	if (memchr(text, '\0', len))
		return bad(err, errlen, "not text (a NUL byte)");
	tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, text, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (!root)
		ret = bad(err, errlen, "not JSON: %s",
			  json_tokener_get_error(tok) == json_tokener_continue
				  ? "unexpected end"
				  : json_tokener_error_desc(json_tokener_get_error(tok)));
	else if (!blank(text + end, len - end))
		ret = bad(err, errlen, "not JSON: trailing data after the object");
	else
		ret = parse_object(root, entries, n, err, errlen);
	json_object_put(root);
	json_tokener_free(tok);
	return ret;
}

char *operator_state_format(const struct operator_entry *entries, size_t n)
{
	struct json_object *root = json_object_new_object(), *list = json_object_new_array();
	char *text = NULL, addr[ADDR_TEXT_SIZE];

	if (!root || !list)
		goto out;
	json_object_object_add(root, "version", json_object_new_int(OPERATOR_STATE_VERSION));
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		if (!o)
			goto out;
		json_object_object_add(o, "vip", json_object_new_string(entries[i].vip));
		json_object_object_add(o, "backend", json_object_new_string(entries[i].backend));
		json_object_object_add(
			o, "address",
			json_object_new_string(addr_format(&entries[i].addr, addr, sizeof(addr))));
		json_object_object_add(o, "weight", json_object_new_int64(entries[i].weight));
		json_object_array_add(list, o);
	}
	json_object_object_add(root, "backends", list);
	list = NULL;
	if (asprintf(&text, "%s\n",
		     json_object_to_json_string_ext(
			     root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		text = NULL;
out:
	json_object_put(list);
	json_object_put(root);
	return text;
}

static struct backend *find_backend(struct agent *a, const struct operator_entry *e,
				    const struct addr **other)
{
	*other = NULL;
	for (size_t i = 0; i < a->n_vips; i++) {
		struct vip *v = a->vips[i];

		if (strcmp(v->cfg.name, e->vip))
			continue;
		for (size_t j = 0; j < v->n_backends; j++) {
			struct backend *b = v->backends[j];

			if (strcmp(b->cfg.name, e->backend))
				continue;
			if (addr_equal(&b->cfg.addr.ip, &e->addr))
				return b;
			*other = &b->cfg.addr.ip;
		}
	}
	return NULL;
}

/* Apply each entry to the backend it names: how many applied, or -1 when an
 * entry matched nothing (the file is then rewritten without it). */
static int apply_entries(struct agent *a, const struct operator_entry *e, size_t n)
{
	char was[ADDR_TEXT_SIZE], now[ADDR_TEXT_SIZE];
	bool forgot = false;
	int applied = 0;

	for (size_t i = 0; i < n; i++) {
		const struct addr *other;
		struct backend *b = find_backend(a, &e[i], &other);

		if (!b) {
			if (other)
				pr_warn("operator state: vip %s backend %s is now %s, not %s: its "
					"weight %u is forgotten\n",
					e[i].vip, e[i].backend,
					addr_format(other, now, sizeof(now)),
					addr_format(&e[i].addr, was, sizeof(was)), e[i].weight);
			else
				pr_info("operator state: vip %s backend %s (%s) is not in the "
					"configuration: its weight %u is forgotten\n",
					e[i].vip, e[i].backend,
					addr_format(&e[i].addr, was, sizeof(was)), e[i].weight);
			forgot = true;
			continue;
		}
		if (b->admin_weight >= 0 && (uint32_t)b->admin_weight != e[i].weight)
			pr_info("operator state: vip %s backend %s: weight %u from %s/%s, not %d "
				"from the pinned maps\n",
				e[i].vip, e[i].backend, e[i].weight, a->cfg.state_dir,
				OPERATOR_STATE_FILE_NAME, b->admin_weight);
		b->admin_weight = (int32_t)e[i].weight;
		pr_info("operator state: vip %s backend %s %s: %s (kept from the last run)\n",
			e[i].vip, e[i].backend, addr_format(&e[i].addr, was, sizeof(was)),
			e[i].weight ? "weight set" : "drained");
		applied++;
	}
	return forgot ? -1 : applied;
}

void operator_state_restore(struct agent *a)
{
	char err[STATE_DIR_ERROR_MAX], why[256];
	struct operator_entry *e = NULL;
	struct state_dir sd;
	char *text = NULL;
	size_t len = 0, n = 0;
	int ret;

	ret = state_dir_open(&sd, a->cfg.state_dir, err);
	if (ret) {
		pr_warn("%s: operator state not restored\n", err);
		return;
	}
	ret = state_dir_read(&sd, OPERATOR_STATE_FILE_NAME, OPERATOR_STATE_MAX_BYTES, &text, &len,
			     why, sizeof(why));
	state_dir_close(&sd);
	if (ret == -ENOENT) {
		/* the first start, or none kept: an adopted dataplane's weights are written down */
		operator_state_save(a);
		return;
	}
	if (!ret)
		ret = operator_state_parse(text, len, &e, &n, why, sizeof(why));
	free(text);
	if (ret) {
		pr_warn("%s/%s: %s: ignored (drains and weights of the last run are not restored; "
			"the next drain, weight or reload replaces the file)\n",
			a->cfg.state_dir, OPERATOR_STATE_FILE_NAME, why);
		return;
	}
	if (apply_entries(a, e, n) < 0)
		operator_state_save(a);
	free(e);
}

int operator_state_save(struct agent *a)
{
	char err[STATE_DIR_ERROR_MAX], path[STATE_DIR_FILE_PATH_MAX];
	struct operator_entry *e;
	struct state_dir sd;
	size_t n = 0, max = 0;
	char *text;
	int ret;

	for (size_t i = 0; i < a->n_vips; i++)
		max += a->vips[i]->n_backends;
	e = calloc(max ? max : 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < a->n_vips; i++) {
		for (size_t j = 0; j < a->vips[i]->n_backends; j++) {
			const struct backend *b = a->vips[i]->backends[j];

			if (b->admin_weight < 0)
				continue;
			snprintf(e[n].vip, sizeof(e[n].vip), "%s", a->vips[i]->cfg.name);
			snprintf(e[n].backend, sizeof(e[n].backend), "%s", b->cfg.name);
			e[n].addr = b->cfg.addr.ip;
			e[n].weight = (uint32_t)b->admin_weight;
			n++;
		}
	}
	text = operator_state_format(e, n);
	free(e);
	if (!text)
		return -ENOMEM;
	ret = state_dir_open(&sd, a->cfg.state_dir, err);
	if (!ret) {
		ret = state_dir_file(&sd, OPERATOR_STATE_FILE_NAME, path);
		if (!ret)
			ret = atomic_write_file_durable(path, text, strlen(text), 0600);
		if (ret)
			snprintf(err, sizeof(err), "%s/%s: %s", a->cfg.state_dir,
				 OPERATOR_STATE_FILE_NAME, strerror(-ret));
		state_dir_close(&sd);
	}
	free(text);
	if (ret)
		pr_warn("%s: the operator's drains and weights are in force but not kept for the "
			"next start\n",
			err);
	return ret;
}
