# Networks for the tests (sourced after common.sh).  Everything lives in a
# network namespace made for the test, or on the host's loopback: no test
# touches any other network.
#
#   netns_create             NETNS: a fresh namespace with lo up (root);
#                            deleted at exit with everything in it
#   netns_tap IFNAME ADDR    a TAP device in NETNS with the host side's
#                            address (e.g. 10.99.0.1/24), up
#   free_port                an unused TCP port on 127.0.0.1
#   http_serve DIR ADDR PORT serves DIR's files on ADDR:PORT only (in
#                            NETNS when set); returns once it answers
#   tcp_receive ADDR PORT BYTES FILE
#                            accepts one connection on ADDR:PORT (in NETNS
#                            when set), stores BYTES bytes in FILE, closes
#   in_netns CMD...          runs CMD in NETNS (or here when it is unset)
#   user_net_ports VAR...    for --net user tests: as root, a namespace of
#                            their own (netns_create; GUEST_WRAP runs gamut
#                            in it) and ports 8080, 8081, ... in VARs;
#                            otherwise the host's loopback and free ports

in_netns() {
	if [ -n "${NETNS:-}" ]; then
		ip netns exec "$NETNS" "$@"
	else
		"$@"
	fi
}

netns_create() {
	need_root
	need_cmd ip
	NETNS=gamut-test-$$
	ip netns add "$NETNS" || fail "ip netns add $NETNS failed"
	at_exit "ip netns del '$NETNS'"
	ip -n "$NETNS" link set lo up || fail "cannot bring up lo in $NETNS"
}

netns_tap() {
	need_tun
	ip -n "$NETNS" tuntap add dev "$1" mode tap || fail "ip tuntap add $1 in $NETNS failed"
	ip -n "$NETNS" addr add "$2" dev "$1" || fail "cannot give $1 the address $2"
	ip -n "$NETNS" link set "$1" up || fail "cannot bring up $1"
}

user_net_ports() {
	local v p=8080
	if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null; then
		netns_create
		GUEST_WRAP=(ip netns exec "$NETNS")
		for v in "$@"; do
			printf -v "$v" '%s' "$p"
			p=$((p + 1))
		done
	else
		for v in "$@"; do
			printf -v "$v" '%s' "$(free_port)"
		done
	fi
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (5 s at most) until ADDR:PORT accepts a connection.
_wait_listen() {
	local _
	for _ in $(seq 50); do
		in_netns python3 -c 'import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()' \
			"$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

http_serve() {
	local dir=$1 addr=$2 port=$3 pid
	if command -v busybox >/dev/null && busybox httpd --help >/dev/null 2>&1; then
		in_netns busybox httpd -f -p "$addr:$port" -h "$dir" >/dev/null 2>&1 &
	else
		in_netns python3 -m http.server --bind "$addr" --directory "$dir" "$port" >/dev/null 2>&1 &
	fi
	pid=$!
	at_exit "kill $pid"
	_wait_listen "$addr" "$port" || fail "the HTTP server on $addr:$port does not answer"
}

# Connections that send nothing (the readiness probe) are ignored; FILE.ok
# holds the byte count once a sender's data is stored.
tcp_receive() {
	local addr=$1 port=$2 bytes=$3 file=$4 pid
	rm -f "$file" "$file.ok"
	in_netns python3 -c '
import socket, sys
addr, port, want, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(4)
while True:
    c, _ = s.accept()
    got = bytearray()
    while len(got) < want:
        b = c.recv(65536)
        if not b:
            break
        got += b
    c.close()
    if got:
        break
open(out, "wb").write(got)
open(out + ".ok", "w").write("%d\n" % len(got))
' "$addr" "$port" "$bytes" "$file" >/dev/null 2>&1 &
	pid=$!
	at_exit "kill $pid"
	_wait_listen "$addr" "$port" || fail "the TCP receiver on $addr:$port does not listen"
}
