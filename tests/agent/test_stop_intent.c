/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What systemd's D-Bus answers make of a SIGTERM (stop_intent.c): a fake
 * systemd (sd-bus objects for the unit, its Service and its Job, on a
 * direct connection in a thread: no dbus-daemon, no PID 1 systemd needed)
 * answers the same properties systemd does; a pending `restart` job keeps
 * the dataplane, `stop` or no job does not, nor a process that is not the
 * unit's MainPID, nor a unit systemd does not know. Outside systemd a
 * stop is a stop.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "stop_intent.h"

#define UNIT "xdpcastd.service"
#define UNIT_PATH "/org/freedesktop/systemd1/unit/xdpcastd_2eservice"
#define JOB_PATH "/org/freedesktop/systemd1/job/42"

static struct {
	uint32_t main_pid;
	uint32_t job_id; /* 0: no job */
	const char *job_type;
} fake;

static int get_main_pid(sd_bus *bus, const char *path, const char *iface, const char *prop,
			sd_bus_message *reply, void *data, sd_bus_error *error)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)data, (void)error;
	return sd_bus_message_append(reply, "u", fake.main_pid);
}

static int get_job(sd_bus *bus, const char *path, const char *iface, const char *prop,
		   sd_bus_message *reply, void *data, sd_bus_error *error)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)data, (void)error;
	return sd_bus_message_append(reply, "(uo)", fake.job_id, fake.job_id ? JOB_PATH : "/");
}

static int get_job_type(sd_bus *bus, const char *path, const char *iface, const char *prop,
			sd_bus_message *reply, void *data, sd_bus_error *error)
{
	(void)bus, (void)path, (void)iface, (void)prop, (void)data, (void)error;
	return sd_bus_message_append(reply, "s", fake.job_type);
}

static const sd_bus_vtable service_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("MainPID", "u", get_main_pid, 0, 0),
	SD_BUS_VTABLE_END,
};
static const sd_bus_vtable unit_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Job", "(uo)", get_job, 0, 0),
	SD_BUS_VTABLE_END,
};
static const sd_bus_vtable job_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("JobType", "s", get_job_type, 0, 0),
	SD_BUS_VTABLE_END,
};

static sd_bus *server, *client;
static pthread_t thread;
static int fds[2];

/* The fake systemd's loop, until the client hangs up. */
static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		int r = sd_bus_process(server, NULL);

		if (r < 0)
			break;
		if (r == 0 && sd_bus_wait(server, UINT64_MAX) < 0)
			break;
	}
	return NULL;
}

static void setup(void)
{
	sd_id128_t id;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
	cr_assert_geq(sd_bus_new(&server), 0);
	cr_assert_geq(sd_bus_set_fd(server, fds[0], fds[0]), 0);
	cr_assert_geq(sd_id128_randomize(&id), 0);
	cr_assert_geq(sd_bus_set_server(server, 1, id), 0);
	cr_assert_geq(sd_bus_add_object_vtable(server, NULL, UNIT_PATH,
					       "org.freedesktop.systemd1.Service", service_vtable,
					       NULL),
		      0);
	cr_assert_geq(sd_bus_add_object_vtable(server, NULL, UNIT_PATH,
					       "org.freedesktop.systemd1.Unit", unit_vtable, NULL),
		      0);
	cr_assert_geq(sd_bus_add_object_vtable(server, NULL, JOB_PATH,
					       "org.freedesktop.systemd1.Job", job_vtable, NULL),
		      0);
	cr_assert_geq(sd_bus_start(server), 0);
	cr_assert_eq(pthread_create(&thread, NULL, serve, NULL), 0);
	cr_assert_geq(sd_bus_new(&client), 0);
	cr_assert_geq(sd_bus_set_fd(client, fds[1], fds[1]), 0);
	cr_assert_geq(sd_bus_set_method_call_timeout(client, 5 * 1000 * 1000), 0);
	cr_assert_geq(sd_bus_start(client), 0);
	fake.main_pid = (uint32_t)getpid();
	fake.job_id = 0;
	fake.job_type = "";
}

static void teardown(void)
{
	sd_bus_flush_close_unref(client);
	pthread_join(thread, NULL);
	sd_bus_close_unref(server);
}

/* What stop_intent makes of the fake's answers: 1 restart, 0 stop, -errno. */
static int decide(const char *unit, char *why, size_t whylen)
{
	char *type = NULL;
	int r = stop_intent_unit_job_type(client, unit, (uint32_t)getpid(), &type, why, whylen);

	if (!r)
		r = stop_intent_job_is_restart(type);
	free(type);
	return r;
}

Test(stop_intent_bus, a_restart_job_keeps_the_dataplane, .init = setup, .fini = teardown)
{
	char why[256];

	fake.job_id = 42;
	fake.job_type = "restart";
	cr_assert_eq(decide(UNIT, why, sizeof(why)), 1, "%s", why);
	cr_assert_str_eq(why, "systemd job of xdpcastd.service: restart");
}

Test(stop_intent_bus, a_stop_job_withdraws, .init = setup, .fini = teardown)
{
	char why[256];

	fake.job_id = 42;
	fake.job_type = "stop";
	cr_assert_eq(decide(UNIT, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(why, "systemd job of xdpcastd.service: stop");
}

Test(stop_intent_bus, no_job_is_a_stop, .init = setup, .fini = teardown)
{
	char why[256];

	cr_assert_eq(decide(UNIT, why, sizeof(why)), 0, "%s", why);
	cr_assert_str_eq(why, "systemd job of xdpcastd.service: none");
}

Test(stop_intent_bus, not_the_main_process_is_a_stop, .init = setup, .fini = teardown)
{
	char why[256];

	fake.main_pid = (uint32_t)getpid() + 1;
	fake.job_id = 42;
	fake.job_type = "restart";
	cr_assert_eq(decide(UNIT, why, sizeof(why)), -ESRCH);
	cr_assert_str_eq(why, "not the main process of xdpcastd.service");
}

Test(stop_intent_bus, an_unknown_unit_is_an_error_not_a_restart, .init = setup, .fini = teardown)
{
	char why[256];

	fake.job_id = 42;
	fake.job_type = "restart";
	cr_assert_lt(decide("other.service", why, sizeof(why)), 0);
	cr_assert_eq(strncmp(why, "D-Bus: unit other.service: ", 27), 0, "%s", why);
}

Test(stop_intent, only_a_restart_job_keeps_the_dataplane)
{
	cr_assert(stop_intent_job_is_restart("restart"));
	cr_assert(stop_intent_job_is_restart("try-restart"));
	cr_assert(stop_intent_job_is_restart("reload-or-restart"));
	cr_assert_not(stop_intent_job_is_restart("stop"));
	cr_assert_not(stop_intent_job_is_restart("start"));
	cr_assert_not(stop_intent_job_is_restart("reload"));
	cr_assert_not(stop_intent_job_is_restart(""));
	cr_assert_not(stop_intent_job_is_restart(NULL));
	cr_assert_not(stop_intent_job_is_restart("Restart"));
}

Test(stop_intent, outside_systemd_a_stop_is_a_stop)
{
	char why[128];

	unsetenv("INVOCATION_ID");
	cr_assert_not(stop_intent_systemd_restart(1000, why, sizeof(why)));
	cr_assert_str_eq(why, "not a systemd unit");
}
