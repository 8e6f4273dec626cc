// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The control socket's framing (control_next_request()): lines, CRLF, blank
 * lines, the last request without newline at EOF, a full buffer. The
 * buffers end exactly where the client's bytes do, with stale bytes of an
 * earlier request inside the buffer's capacity, as control.c's buffer has
 * them: under SANITIZE=1 a read past them is caught (fuzz_control found one).
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <json-c/json.h>

#include "agent.h"
#include "control.h"
#include "control_cmd.h"

/* A heap buffer of exactly @cap bytes holding @bytes (@n of them). */
static char *buffer(const char *bytes, size_t n, size_t cap)
{
	char *b = malloc(cap);

	cr_assert_not_null(b);
	memset(b, ' ', cap);
	memcpy(b, bytes, n);
	return b;
}

Test(control_frame, lines_and_blank_lines)
{
	static const char in[] = "{\"command\":\"status\"}\r\n \t\n{\"command\":\"vips\"}";
	char *b = buffer(in, sizeof(in) - 1, sizeof(in) - 1);
	struct control_request r;

	cr_assert_eq(control_next_request(b, sizeof(in) - 1, sizeof(in) - 1, false, &r),
		     CONTROL_FRAME_REQUEST);
	cr_assert_eq(r.len, 20); /* without CR LF */
	cr_assert_eq(r.consumed, 22);
	cr_assert_eq(control_next_request(b + 22, 3, 64, false, &r), CONTROL_FRAME_REQUEST);
	cr_assert_eq(r.len, 0, "a blank line gets no reply");
	cr_assert_eq(r.consumed, 3);
	cr_assert_eq(control_next_request(b + 25, 18, 64, false, &r), CONTROL_FRAME_NONE);
	cr_assert_eq(control_next_request(b + 25, 18, 64, true, &r), CONTROL_FRAME_REQUEST);
	cr_assert_eq(r.len, 18);
	cr_assert_eq(r.consumed, 18);
	free(b);
}

Test(control_frame, full_buffer_is_too_long)
{
	char *b = buffer("x", 1, 16);
	struct control_request r;

	cr_assert_eq(control_next_request(b, 16, 16, false, &r), CONTROL_FRAME_TOO_LONG);
	free(b);
}

/* fuzz_control: the last bytes before EOF all blanks, the rest of the
 * buffer stale blanks: the blank test read past the buffer (strspn). */
Test(control_frame, blank_tail_at_eof_stays_in_bounds)
{
	char *b = buffer("", 0, 64);
	struct control_request r;

	cr_assert_eq(control_next_request(b, 62, 64, true, &r), CONTROL_FRAME_REQUEST);
	cr_assert_eq(r.len, 0);
	cr_assert_eq(r.consumed, 62);
	free(b);
}

/* fuzz_control: a request followed by blanks up to the buffer's end: the
 * trailing-data test of control_dispatch() read past it (strspn). */
Test(control_frame, trailing_blanks_stay_in_bounds)
{
	static const char req[] = "{\"command\":\"vips\"}";
	struct agent *a = calloc(1, sizeof(*a));
	struct control_env env = { .agent = a };
	struct control_peer peer = { .pid = 1, .uid = 0, .admin = true };
	char *b = buffer(req, sizeof(req) - 1, 64);
	struct json_object *reply, *ok;

	cr_assert_not_null(a);
	reply = control_dispatch(&env, &peer, b, 62);
	cr_assert(json_object_object_get_ex(reply, "ok", &ok) && json_object_get_boolean(ok), "%s",
		  json_object_to_json_string(reply));
	json_object_put(reply);
	free(b);
	free(a);
}
