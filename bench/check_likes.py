"""Checks the likes in the database against the ledger of what clients were
answered (bench/likes.lua, bench/lib.sh's likes_check).

Usage: python3 bench/check_likes.py LABEL LEDGER POSTS EITHER_WAY < counts

LEDGER has one line per visitor, 1 if the last like request it was answered
(or had in flight) asked for a like, 0 if not; visitor i likes post
((i - 1) % POSTS) + 1. The counts on stdin are "post like_count rows" lines.
Prints one line; exits 1 if the shown counts or the rows differ from the
ledger by more than EITHER_WAY likes in all (the requests that were in
flight when a run stopped).
"""

import sys
from collections import Counter


def main() -> int:
    label, ledger_path, posts, either_way = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    expected: Counter[int] = Counter()
    try:
        with open(ledger_path) as ledger:
            for visitor, state in enumerate(ledger, start=1):
                if state.strip() == "1":
                    expected[(visitor - 1) % posts + 1] += 1
    except FileNotFoundError:
        pass
    shown: Counter[int] = Counter()
    rows: Counter[int] = Counter()
    for line in sys.stdin:
        fields = line.replace("|", " ").split()
        if len(fields) == 3:
            post, count, stored = map(int, fields)
            shown[post], rows[post] = count, stored
    posts_seen = set(expected) | set(shown) | set(rows)
    off_shown = sum(abs(shown[p] - expected[p]) for p in posts_seen)
    off_rows = sum(abs(rows[p] - expected[p]) for p in posts_seen)
    total = sum(expected.values())
    line = (
        f"{label} likes: {total} by what clients were answered, {sum(shown.values())} shown in the counts "
        f"and {sum(rows.values())} stored; off by {off_shown} (counts) and {off_rows} (rows), "
        f"at most {either_way} may be either way"
    )
    ok = off_shown <= either_way and off_rows <= either_way
    print(line if ok else line + "  MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
