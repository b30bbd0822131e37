# Sourced by bench/run.sh and bench/instances.sh.

# Waits up to 10 s for http://127.0.0.1:$1/healthz to answer; else shows the
# log $3 of what should be listening ($2) and stops the script.
wait_for() { # $1 port, $2 what it is, $3 its log
    for _ in $(seq 200); do
        curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "$2 did not start:" >&2
    cat "$3" >&2
    exit 1
}
