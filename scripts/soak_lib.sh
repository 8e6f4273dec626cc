# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
# The soak's workers (scripts/soak.sh), sourced after scripts/lab.sh: the
# process bookkeeping that keeps lab_down's PID list exact over a long run,
# xdpcastd's fd and RSS readings, the xdpcastctl loop and the control-socket
# flood clients. Each worker is bounded in time and stops by itself.

# Removes PID $1 from LAB_PIDS once it has been waited for: a long run
# reuses PIDs, and lab_down must never signal someone else's process.
soak_forget() {
	local pid keep=()
	for pid in "${LAB_PIDS[@]}"; do
		[ "$pid" = "$1" ] || keep+=("$pid")
	done
	LAB_PIDS=("${keep[@]}")
}

# Stops process $1 (ours), reaps it and forgets it.
soak_stop_pid() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	soak_forget "$1"
}

# xdpcastd's open fds, the least of 5 readings 100 ms apart: a DNS probe or
# an xdpcastctl connection in flight holds an fd for milliseconds, a leaked
# one stays, so the minimum counts what the daemon keeps.
soak_fds() {
	local i n min=
	for i in 1 2 3 4 5; do
		# shellcheck disable=SC2012 # fd names are numbers
		n=$(ls "/proc/$1/fd" 2>/dev/null | wc -l)
		[ -z "$min" ] || [ "$n" -lt "$min" ] && min=$n
		[ "$i" -lt 5 ] && sleep 0.1
	done
	echo "$min"
}

# xdpcastd's resident set in KiB (VmRSS), or 0 when it is gone.
soak_rss_kib() { awk '$1 == "VmRSS:" { print $2; found = 1 } END { if (!found) print 0 }' \
	"/proc/$1/status" 2>/dev/null || echo 0; }

# Runs xdpcastctl ($1, socket $2) in a loop until file $3 exists (and
# $4 seconds at most): status, stats, backends --json, vips --json, then a
# pause of $5 s. Writes "calls failed" to $6; each failure's command and
# output go to $6.err.
soak_ctl_loop() {
	local ctl=$1 sock=$2 stop=$3 limit=$4 pause=$5 out=$6 calls=0 failed=0 end cmd
	end=$((SECONDS + limit))
	: >"$out.err"
	while [ ! -e "$stop" ] && [ "$SECONDS" -lt "$end" ]; do
		for cmd in status stats "--json backends" "--json vips"; do
			calls=$((calls + 1))
			# shellcheck disable=SC2086 # the words of one command
			if ! "$ctl" -s "$sock" -t 2 $cmd >"$out.last" 2>&1; then
				failed=$((failed + 1))
				{ echo "# $cmd:"; cat "$out.last"; } >>"$out.err"
			fi
		done
		sleep "$pause"
	done
	echo "$calls $failed" >"$out"
}

# One flood client: pipelines batches of 500 requests (status, stats,
# backends, vips in turn) on one connection to socket $1 for $2 seconds,
# reading every reply. Prints "replies ok", or "error: reason" after them
# when the connection fails or a reply takes 20 s.
soak_flood_client() {
	perl -MIO::Socket::UNIX -e '
		my ($path, $secs) = @ARGV;
		my ($replies, $ok, $err) = (0, 0, "");
		my @cmds = ("status", "stats", "backends", "vips");
		local $SIG{ALRM} = sub { die "no reply for 20 s\n" };
		eval {
			alarm 20;
			my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path)
				or die "connect $path: $!\n";
			my $end = time + $secs;
			my $i = 0;
			while (time < $end) {
				my $cmd = $cmds[$i++ % @cmds];
				print $s (qq({"command":"$cmd"}\n) x 500);
				$s->flush;
				for (1 .. 500) {
					my $line = <$s>;
					defined $line or die "connection closed\n";
					alarm 20;
					$replies++;
					$ok++ if $line =~ /^\{"ok": *true/;
				}
			}
			alarm 0;
			close $s;
		};
		chomp($err = $@) if $@;
		print "$replies $ok", ($err ne "" ? " error: $err" : ""), "\n";' "$1" "$2"
}
