#!/usr/bin/env bash
# Watches the results vkcnnpublish sends to a broker and prints each stream's labels, one line
# per message:
#   vkcnn/site-a/cam1 frame 42: Sneaker 0.91, Sandal 0.05, Ankle boot 0.02
#   pipelines/examples/mqtt_labels.sh [host:port] [topic-filter] [count]
#     host:port     the broker (default localhost:1883)
#     topic-filter  which streams (default vkcnn/#: every one; vkcnn/site-a/#: one site's)
#     count         exit after this many messages (default: run until interrupted)
# Needs mosquitto_sub (Debian: mosquitto-clients) and python3; no MQTT library for Python.
set -euo pipefail
address="${1:-localhost:1883}"
filter="${2:-vkcnn/#}"
count=()
[ -z "${3:-}" ] || count=(-C "$3")
host="${address%:*}"
host="${host#[}"
host="${host%]}"
port="${address##*:}"
command -v mosquitto_sub >/dev/null ||
  { echo "mqtt_labels.sh: mosquitto_sub not found (Debian: mosquitto-clients; or run scripts/setup.sh)" >&2; exit 1; }

# mosquitto_sub -v writes "<topic> <payload>" per message; python3 reads the JSON object.
labels_py=$(cat <<'PY'
import json, sys
for line in sys.stdin:
    topic, _, payload = line.rstrip("\n").partition(" ")
    try:
        result = json.loads(payload)
        top = ", ".join("%s %.2f" % (t["label"], t["score"]) for t in result["top"])
        print("%s frame %d: %s" % (topic, result["frame"], top or "(no class above the threshold)"), flush=True)
    except (ValueError, KeyError, TypeError):
        print("%s: not a vkcnn result: %.60s" % (topic, payload), flush=True)
PY
)
mosquitto_sub -h "$host" -p "$port" -q 1 -t "$filter" -v "${count[@]}" | python3 -u -c "$labels_py"
