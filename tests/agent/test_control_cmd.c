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
		     "unknown command \"st???[31m?xdpcastd: fake\"");
	/* a NUL inside the string does not hide what follows it */
	expect_error("{\"command\": \"nope\\u0000\\u001b[31m\"}", "unknown command \"nope??[31m\"");
	/* UTF-8 that is valid is shown as '?' too: the quoting is byte by byte */
	expect_error("{\"command\": \"\xc3\xa9\"}", "unknown command \"??\"");
	/* bounded: 64 bytes then "..." */
	expect_error("{\"command\": \"0123456789012345678901234567890123456789012345678901234567"
		     "89abcdefghijklmnopqrstuvwxyz\"}",
		     "unknown command \"0123456789012345678901234567890123456789012345678901234567"
		     "89abcd...\"");
	/* a known command's name is as before */
	expect_error("{\"command\": \"nope\"}", "unknown command \"nope\"");
	/* a known name, then a NUL: not that command */
	expect_error("{\"command\": \"status\\u0000x\"}", "unknown command \"status?x\"");
}

Test(control_cmd, other_echoes_quoted)
{
	expect_error("{\"command\": \"status\", \"\xff\x1b[2J\": 1}",
		     "command \"status\" takes no key \"??[2J\"");
	expect_error("{\"command\": \"backends\", \"vip\": \"\xff\\n\x1b[0m\"}",
		     "vip \"???[0m\" not found");
	expect_error("{\"command\": \"drain\", \"vip\": \"dns\xc3\", \"backend\": \"b1\"}",
		     "vip \"dns?\" not found");
	expect_error("{\"command\": \"drain\", \"vip\": \"dns\\u0000x\", \"backend\": \"b1\"}",
		     "\"vip\" must not hold a NUL character");
}
