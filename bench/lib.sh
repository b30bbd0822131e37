# Sourced by bench/run.sh, bench/instances.sh and bench/ab.sh: starting
# servers on free ports, running wrk so that a failed request fails the
# run, and the checks against what clients were answered. Expects $work,
# a temporary folder the sourcing script removes on exit.

# A port nothing listens on now, as the tests take theirs.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to 10 s for http://127.0.0.1:$1/healthz to answer; else shows the
# log $3 of what should be listening ($2) and stops the script.
wait_for() { # $1 port, $2 what it is, $3 its log
    for _ in $(seq 200); do
        curl -fs "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "FAILED: $2 did not start:" >&2
    cat "$3" >&2
    exit 1
}

# Records a failed check: said at once, and again by finish, which makes
# the script fail. The run goes on, so one run shows every check that fails.
failed() { # $*: what failed
    echo "FAILED: $*" | tee -a "$work/failures" >&2
}

# Ends a script: non-zero, with the list, if any check failed.
finish() {
    if [ -s "$work/failures" ]; then
        echo >&2
        echo "$(wc -l <"$work/failures") check(s) failed:" >&2
        cat "$work/failures" >&2
        exit 1
    fi
}

# Runs wrk (2 threads, a 10 s request timeout) with the remaining arguments,
# its output in $WRK_OUT ($work/wrk.out unless set); the run fails (see failed) if wrk did not
# report or if any request failed: a socket error, a timeout or a status of
# 400 or more. The scripts' report.lua prints the RESULT line read here.
# Every request the harness sends is one it expects to succeed.
wrk_checked() { # $1 what runs (for the message), wrk's arguments...
    local label=$1 out=${WRK_OUT:-$work/wrk.out} line requests errors
    shift
    wrk -t2 --timeout 10s "$@" >"$out" 2>&1 || true
    line=$(grep '^RESULT' "$out" || true)
    if [ -z "$line" ]; then
        failed "$label: wrk reported nothing: $(tr '\n' ' ' <"$out")"
        return 0
    fi
    read -r _ _ _ _ requests errors <<<"$line"
    if [ "$requests" = 0 ]; then
        failed "$label: no request was answered"
    elif [ "$errors" != 0 ]; then
        failed "$label: $errors of $requests requests failed (socket errors, timeouts or status >= 400)"
    fi
}

# How many likes a wrk run left in flight when it stopped (its
# LIKES_IN_FLIGHT line, from bench/likes.lua; 0 for scripts without likes).
likes_in_flight() { # $1 wrk's output
    sed -n 's/^LIKES_IN_FLIGHT \([0-9]*\)$/\1/p' "$1" | grep . || echo 0
}

# The likes in the database against the ledger of what clients were
# answered (bench/likes.lua): per post, its shown count and its rows must be
# what the ledger's visitors add up to. A visitor whose like was in
# flight when a wrk run stopped may be either way, so the posts may differ
# from the ledger by at most $3 likes in all (the sum of the runs'
# likes_in_flight); more is a lost or phantom acknowledged like. Reads "post like_count rows" lines on stdin, one per
# post.
likes_check() { # $1 label, $2 posts, $3 likes that may be either way
    python3 bench/check_likes.py "$1" "$work/likes.ledger" "$2" "$3" >>"$work/checks.txt" ||
        failed "$(tail -n 1 "$work/checks.txt")"
}

# Every view answered 2xx is counted, and nothing else is: the count may
# exceed the answers only by the views wrk had in flight when it stopped
# (the server answered them; wrk no longer read). Fewer would be a lost
# acknowledged write.
views_check() { # $1 label, $2 answered, $3 counted, $4 views in flight when wrk stopped (sent, not answered)
    local unread=$(($3 - $2))
    if [ "$unread" -lt 0 ] || [ "$unread" -gt "$4" ]; then
        failed "$1 views: $2 answered 2xx, $3 counted ($4 were in flight)"
        return 0
    fi
    echo "$1 views: $2 answered 2xx and read by wrk, $3 counted ($unread of the $4 in flight when wrk stopped)" \
        >>"$work/checks.txt"
}
