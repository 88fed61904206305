"""Log-in cost of the password hashers: one password check per hasher, best of N, in the same run.

    .venv/bin/python benchmarks/password_hash_bench.py [--repeat 5]

A log-in does one password check (accounts.backends: an unknown ID hashes once too), so the check is the
log-in's cost on the server. Reported in seconds and as a ratio to the PBKDF2 check measured in the same run
(docs/performance.md: ratios, not absolute seconds, compare across machines). No database is needed.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capacity_market.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + "x" * 40)
os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher  # noqa: E402

HASHERS = {"pbkdf2_sha256": PBKDF2PasswordHasher(), "argon2": Argon2PasswordHasher()}
PASSWORD = "correct horse battery staple 2026"


def best_check_seconds(hasher, repeat: int) -> float:
    encoded = hasher.encode(PASSWORD, hasher.salt())
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        assert hasher.verify(PASSWORD, encoded)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"settings.PASSWORD_HASHERS[0] = {settings.PASSWORD_HASHERS[0]} (the hasher new passwords use)")
    results = {name: best_check_seconds(hasher, args.repeat) for name, hasher in HASHERS.items()}
    anchor = results["pbkdf2_sha256"]
    for name, hasher in HASHERS.items():
        params = {k: getattr(hasher, k) for k in ("iterations", "time_cost", "memory_cost", "parallelism")
                  if hasattr(hasher, k)}
        print(f"{name:15} {results[name]:8.3f} s  ×{results[name] / anchor:5.2f}  {params}")


if __name__ == "__main__":
    main()
