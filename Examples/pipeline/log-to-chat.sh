#!/usr/bin/env bash
# Tail a log file into a chat room: each new line becomes ReceiveMessage(sender, line) for the
# group (room) of a hub, published through `hubmesh-gateway --stdin`.
#
#   Examples/pipeline/log-to-chat.sh /var/log/app.log tcp://127.0.0.1:6000
#
# Environment: HUB (chat), ROOM (lobby), SENDER (logbot), MESH (this gateway's mesh endpoint,
# tcp://127.0.0.1:6200), FOLLOW (1: follow the file like tail -F; 0: send what is there and exit),
# HUBMESH_GATEWAY_BIN (hubmesh-gateway on PATH). Replies that are not ok are printed to stderr.
set -euo pipefail

log=${1:?usage: log-to-chat.sh LOGFILE [JOIN_ENDPOINT]}
join=${2:-tcp://127.0.0.1:6000}
gateway=${HUBMESH_GATEWAY_BIN:-hubmesh-gateway}

if [[ ${FOLLOW:-1} == 1 ]]; then
    read_log() { tail -n 0 -F "$log"; }
else
    read_log() { cat "$log"; }
fi

read_log \
    | jq --unbuffered -R -c --arg hub "${HUB:-chat}" --arg room "${ROOM:-lobby}" --arg sender "${SENDER:-logbot}" \
        '{id: (input_line_number | tostring), kind: "group", hub: $hub, group: $room,
          method: "ReceiveMessage", arguments: [$sender, .]}' \
    | "$gateway" --stdin --mesh "${MESH:-tcp://127.0.0.1:6200}" --join "$join" \
    | { grep --line-buffered -v '"ok":true' >&2 || true; }
