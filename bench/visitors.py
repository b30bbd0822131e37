"""Writes N visitor cookies, one per line, signed as the server signs them.

Usage: python3 bench/visitors.py KEY_HEX N OUT_FILE

KEY_HEX is the server's BULLETIN_SECRET_KEY. Visitor n's id is n in 32
hexadecimal digits; the cookie value is `id.hex(HMAC-SHA256(key, "visitor" NUL id))`,
as `SecretKey::sign` in src/server/cookies.rs makes it.
"""

import hashlib
import hmac
import sys


def main() -> None:
    key, count, out = bytes.fromhex(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with open(out, "w", encoding="ascii") as file:
        for n in range(1, count + 1):
            visitor = f"{n:032x}"
            tag = hmac.new(key, b"visitor\0" + visitor.encode(), hashlib.sha256).hexdigest()
            file.write(f"{visitor}.{tag}\n")


if __name__ == "__main__":
    main()
