#!/usr/bin/env bash
# Run a command inside the private network namespace made by `unshare -n`:
# loopback plus a veth pair (198.18.0.1/24 <-> 198.18.0.2/24) with a default
# route, so Chromium gathers host candidates while no packet leaves the machine.
set -euo pipefail
ip link set lo up
ip link add v0 type veth peer name v1
ip addr add 198.18.0.1/24 dev v0
ip addr add 198.18.0.2/24 dev v1
ip link set v0 up
ip link set v1 up
ip route add default via 198.18.0.2 dev v0
exec "$@"
