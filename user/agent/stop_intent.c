// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Whether a stop is a restart, as systemd's pending job says (stop_intent.h). */
#include "stop_intent.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>
#include <unistd.h>

#define SYSTEMD_SERVICE "org.freedesktop.systemd1"
/* systemd's own socket (root only): answers without dbus-daemon */
#define SYSTEMD_PRIVATE_BUS "unix:path=/run/systemd/private"

bool stop_intent_job_is_restart(const char *job_type)
{
	/* what a pending job of a unit being stopped can be when it comes back:
	 * try-restart and reload-or-restart collapse to restart on an active unit,
	 * but are named too in case a job reports them as asked */
	static const char *const restarts[] = { "restart", "try-restart", "reload-or-restart" };

	for (size_t i = 0; job_type && i < sizeof(restarts) / sizeof(restarts[0]); i++)
		if (!strcmp(job_type, restarts[i]))
			return true;
	return false;
}

/* systemd's private socket, else the system bus, with @timeout_usec on every call. */
static int open_bus(sd_bus **bus, uint64_t timeout_usec)
{
	int r = sd_bus_new(bus);

	if (r < 0)
		return r;
	r = sd_bus_set_address(*bus, SYSTEMD_PRIVATE_BUS);
	if (r >= 0)
		r = sd_bus_set_method_call_timeout(*bus, timeout_usec);
	if (r >= 0)
		r = sd_bus_start(*bus);
	if (r >= 0)
		return 0;
	*bus = sd_bus_unref(*bus);
	r = sd_bus_open_system(bus);
	if (r >= 0)
		r = sd_bus_set_method_call_timeout(*bus, timeout_usec);
	if (r < 0)
		*bus = sd_bus_unref(*bus);
	return r;
}

int stop_intent_unit_job_type(struct sd_bus *bus, const char *unit, uint32_t pid, char **type,
			      char *why, size_t whylen)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	char *unit_path = NULL;
	const char *job_path;
	uint32_t job_id, main_pid = 0;
	int r;

	*type = NULL;
	r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit, &unit_path);
	/* a child of a unit (a test run by a CI service) is not that unit */
	if (r >= 0)
		r = sd_bus_get_property_trivial(bus, SYSTEMD_SERVICE, unit_path,
						"org.freedesktop.systemd1.Service", "MainPID",
						&error, 'u', &main_pid);
	if (r >= 0 && main_pid != pid)
		r = -ESRCH;
	if (r >= 0)
		r = sd_bus_get_property(bus, SYSTEMD_SERVICE, unit_path,
					"org.freedesktop.systemd1.Unit", "Job", &error, &reply,
					"(uo)");
	if (r >= 0)
		r = sd_bus_message_read(reply, "(uo)", &job_id, &job_path);
	if (r >= 0 && job_id)
		r = sd_bus_get_property_string(bus, SYSTEMD_SERVICE, job_path,
					       "org.freedesktop.systemd1.Job", "JobType", &error,
					       type);
	if (r == -ESRCH)
		snprintf(why, whylen, "not the main process of %s", unit);
	else if (r < 0)
		snprintf(why, whylen, "D-Bus: unit %s: %s", unit,
			 error.message ? error.message : strerror(-r));
	else
		snprintf(why, whylen, "systemd job of %s: %s", unit, *type ? *type : "none");
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	free(unit_path);
	return r < 0 ? r : 0;
}

bool stop_intent_systemd_restart(uint64_t timeout_usec, char *why, size_t whylen)
{
	char *unit = NULL, *type = NULL;
	sd_bus *bus = NULL;
	bool restart = false;
	int r;

	/* INVOCATION_ID: started by systemd as a unit, not only living in its cgroup */
	if (!getenv("INVOCATION_ID") || sd_pid_get_unit(0, &unit) < 0) {
		snprintf(why, whylen, "not a systemd unit");
		free(unit);
		return false;
	}
	r = open_bus(&bus, timeout_usec);
	if (r < 0)
		snprintf(why, whylen, "D-Bus: cannot reach systemd: %s", strerror(-r));
	else
		restart = !stop_intent_unit_job_type(bus, unit, (uint32_t)getpid(), &type, why,
						     whylen) &&
			  stop_intent_job_is_restart(type);
	sd_bus_flush_close_unref(bus);
	free(type);
	free(unit);
	return restart;
}
