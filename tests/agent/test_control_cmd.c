/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The control socket's error replies (control_dispatch(), no socket, an
 * agent without VIPs): what a client sent is echoed quoted, printable ASCII
 * only and bounded, so the reply is valid JSON (no invalid UTF-8) and a
 * logged reply holds no escape sequence or newline of the client's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include <stdbool.h>

#include "agent.h"
#include "control.h"
#include "control_cmd.h"

/* The reply to @line, as it goes on the wire; its "error" in @error. */
static const char *dispatch_as(const char *line, char *wire, size_t wire_size, char *error,
			       size_t error_size, bool admin)
{
	struct agent *a = calloc(1, sizeof(*a));
	struct control_env env = { .agent = a };
	struct control_peer peer = { .pid = 1, .uid = admin ? 0 : 65534, .admin = admin };
	struct json_object *reply, *v;

	cr_assert_not_null(a);
	reply = control_dispatch(&env, &peer, line, strlen(line));
	cr_assert_not_null(reply);
	snprintf(wire, wire_size, "%s",
		 json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN));
	cr_assert(json_object_object_get_ex(reply, "ok", &v) && !json_object_get_boolean(v),
		  "not an error: %s", wire);
	cr_assert(json_object_object_get_ex(reply, "error", &v), "no error: %s", wire);
	snprintf(error, error_size, "%s", json_object_get_string(v));
	json_object_put(reply);
	free(a);
	return wire;
}

static const char *dispatch(const char *line, char *wire, size_t wire_size, char *error,
			    size_t error_size)
{
	return dispatch_as(line, wire, wire_size, error, error_size, true);
}

/* Changes are for admins (root, xdpcastd's user, control_admin_group); the
 * others' are refused before anything is looked at. */
Test(control_cmd, changes_need_an_admin)
{
	static const char *const changes[] = {
		"{\"command\":\"drain\",\"vip\":\"dns\",\"backend\":\"b1\"}",
		"{\"command\":\"undrain\",\"vip\":\"dns\",\"backend\":\"b1\"}",
		"{\"command\":\"weight\",\"vip\":\"dns\",\"backend\":\"b1\",\"weight\":2}",
		"{\"command\":\"reload\"}",
	};
	char wire[4096], error[1024];

	for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		dispatch_as(changes[i], wire, sizeof(wire), error, sizeof(error), false);
		cr_assert_str_eq(error,
				 "permission denied: changes need root or control_admin_group",
				 "%s", changes[i]);
	}
	/* an admin's drain goes on to look the VIP up */
	dispatch_as(changes[0], wire, sizeof(wire), error, sizeof(error), true);
	cr_assert(!strstr(error, "permission denied"), "%s", error);
}

/* Every byte printable ASCII: valid UTF-8 whatever the client sent. */
static void assert_ascii(const char *s, const char *what)
{
	for (const char *p = s; *p; p++)
		cr_assert((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
			  "%s: byte 0x%02x at %zu: %s", what, (unsigned char)*p, (size_t)(p - s),
			  s);
}

static void expect_error(const char *line, const char *want)
{
	char wire[4096], error[1024];
	struct json_object *back;

	dispatch(line, wire, sizeof(wire), error, sizeof(error));
	assert_ascii(wire, "the reply");
	cr_assert_str_eq(error, want, "reply %s", wire);
	/* and the reply parses back as JSON */
	back = json_tokener_parse(wire);
	cr_assert_not_null(back, "not JSON: %s", wire);
	json_object_put(back);
}

Test(control_cmd, unknown_command_quoted)
{
	/* invalid UTF-8, an escape sequence, a newline (json-c takes them as they come) */
	expect_error("{\"command\": \"st\xff\xfe\x1b[31m\\nxdpcastd: fake\"}",
		     "unknown command \"st???[31m?xdpcastd: fake\""
		     " (commands: status, vips, backends, drain, undrain, weight, stats, reload, "
		     "handover)");
	/* a NUL inside the string does not hide what follows it */
	expect_error("{\"command\": \"nope\\u0000\\u001b[31m\"}",
		     "unknown command \"nope??[31m\""
		     " (commands: status, vips, backends, drain, undrain, weight, stats, reload, "
		     "handover)");
	/* UTF-8 that is valid is shown as '?' too: the quoting is byte by byte */
	expect_error("{\"command\": \"\xc3\xa9\"}", "unknown command \"??\""
						    " (commands: status, vips, backends, drain, "
						    "undrain, weight, stats, reload, handover)");
	/* bounded: 64 bytes then "..." */
	expect_error("{\"command\": \"0123456789012345678901234567890123456789012345678901234567"
		     "89abcdefghijklmnopqrstuvwxyz\"}",
		     "unknown command \"0123456789012345678901234567890123456789012345678901234567"
		     "89abcd...\""
		     " (commands: status, vips, backends, drain, undrain, weight, stats, reload, "
		     "handover)");
	/* a known command's name is as before */
	expect_error("{\"command\": \"nope\"}", "unknown command \"nope\""
						" (commands: status, vips, backends, drain, "
						"undrain, weight, stats, reload, handover)");
	/* a known name, then a NUL: not that command */
	expect_error("{\"command\": \"status\\u0000x\"}",
		     "unknown command \"status?x\""
		     " (commands: status, vips, backends, drain, undrain, weight, stats, reload, "
		     "handover)");
}

Test(control_cmd, other_echoes_quoted)
{
	expect_error("{\"command\": \"status\", \"\xff\x1b[2J\": 1}",
		     "command \"status\" takes no key \"??[2J\"");
	expect_error("{\"command\": \"backends\", \"vip\": \"\xff\\n\x1b[0m\"}",
		     "vip \"???[0m\" not found (no VIP is configured)");
	expect_error("{\"command\": \"drain\", \"vip\": \"dns\xc3\", \"backend\": \"b1\"}",
		     "vip \"dns?\" not found (no VIP is configured)");
	expect_error("{\"command\": \"drain\", \"vip\": \"dns\\u0000x\", \"backend\": \"b1\"}",
		     "\"vip\" must not hold a NUL character");
	expect_error("{\"command\": \"drain\", \"backend\": \"b1\"}",
		     "backend \"b1\" not found in any VIP (it has no backend)");
}

/* An agent of @n_vips VIPs "v00".., each with backends "b00".."b<n_backends - 1>". */
static struct agent *agent_with(size_t n_vips, size_t n_backends)
{
	struct agent *a = calloc(1, sizeof(*a));

	cr_assert_not_null(a);
	a->vips = calloc(n_vips, sizeof(*a->vips));
	a->n_vips = n_vips;
	for (size_t i = 0; i < n_vips; i++) {
		struct vip *v = calloc(1, sizeof(*v));

		snprintf(v->cfg.name, sizeof(v->cfg.name), "v%02zu", i);
		v->agent = a;
		v->backends = calloc(n_backends, sizeof(*v->backends));
		v->n_backends = n_backends;
		for (size_t j = 0; j < n_backends; j++) {
			struct backend *b = calloc(1, sizeof(*b));

			snprintf(b->cfg.name, sizeof(b->cfg.name), "b%02zu", n_backends - 1 - j);
			snprintf(b->cfg.addr.text, sizeof(b->cfg.addr.text), "198.18.0.%zu", j + 1);
			b->vip = v;
			b->admin_weight = -1;
			v->backends[j] = b;
		}
		a->vips[i] = v;
	}
	return a;
}

static void agent_free(struct agent *a)
{
	for (size_t i = 0; i < a->n_vips; i++) {
		for (size_t j = 0; j < a->vips[i]->n_backends; j++)
			free(a->vips[i]->backends[j]);
		free(a->vips[i]->backends);
		free(a->vips[i]);
	}
	free(a->vips);
	free(a);
}

/* The error @a gives to @line. */
static void expect_error_of(struct agent *a, const char *line, const char *want)
{
	struct control_env env = { .agent = a };
	struct control_peer peer = { .pid = 1, .uid = 0, .admin = true };
	struct json_object *reply = control_dispatch(&env, &peer, line, strlen(line)), *v;

	cr_assert(json_object_object_get_ex(reply, "error", &v), "no error: %s",
		  json_object_to_json_string(reply));
	cr_assert_str_eq(json_object_get_string(v), want);
	json_object_put(reply);
}

/* Unknown names list the valid ones: sorted, each once, the first 8 and a count. */
Test(control_cmd, unknown_names_list_the_valid_ones)
{
	struct agent *a = agent_with(3, 2);

	expect_error_of(a, "{\"command\": \"backends\", \"vip\": \"ntp\"}",
			"vip \"ntp\" not found (vips: v00, v01, v02)");
	expect_error_of(a, "{\"command\": \"drain\", \"vip\": \"v01\", \"backend\": \"b9\"}",
			"backend \"b9\" not found in vip \"v01\" (backends: b00, b01)");
	/* without a VIP: every VIP's backends, each name once */
	expect_error_of(a, "{\"command\": \"undrain\", \"backend\": \"198.18.0.9\"}",
			"backend \"198.18.0.9\" not found in any VIP (backends: b00, b01)");
	agent_free(a);

	a = agent_with(12, 11);
	expect_error_of(a, "{\"command\": \"backends\", \"vip\": \"x\"}",
			"vip \"x\" not found (vips: v00, v01, v02, v03, v04, v05, v06, v07, "
			"and 4 more)");
	expect_error_of(a, "{\"command\": \"weight\", \"backend\": \"b99\", \"weight\": 3}",
			"backend \"b99\" not found in any VIP (backends: b00, b01, b02, b03, b04, "
			"b05, b06, b07, and 3 more)");
	agent_free(a);
}
