"""Seeds a bulletin database (already migrated) with N deterministic posts.

Usage: python3 bench/seed.py DATABASE_FILE N

Titles are "Post number 1" .. "Post number N"; each content is about 400
characters. Run it while the server is stopped: the server's read cache only
learns of writes made through it.
"""

import sqlite3
import sys

WORDS = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor".split()


def content(n: int) -> str:
    words, length, i = [], 0, n
    while length < 400:
        word = WORDS[i % len(WORDS)]
        words.append(word)
        length += len(word) + 1
        i += 7
    return " ".join(words)[:400]


def main() -> None:
    path, count = sys.argv[1], int(sys.argv[2])
    db = sqlite3.connect(path)
    with db:
        db.executemany(
            "INSERT INTO posts (title, content, author_id) VALUES (?, ?, 'bench')",
            ((f"Post number {n}", content(n)) for n in range(1, count + 1)),
        )
    db.close()


if __name__ == "__main__":
    main()
