"""``manage.py clear_auction --input FILE [--output FILE]``: clear an auction file (clearing-format.md).

Exit status 0 on success; 2 with one line per problem on stderr for invalid input, a missing or unreadable
input file; 1 when the output file cannot be written. Never a traceback for bad input.

The command touches no database and runs no system checks: it imports only the pure engine, so its time is the
Django start-up (a fixed ~0.5 s) plus reading, clearing and writing (see docs/performance.md).
"""

from __future__ import annotations

import gc
import sys

from django.core.management.base import BaseCommand

from auctions.clearing import InvalidInput, clear, load_input, serialise_result


class Command(BaseCommand):
    help = "Clear an auction file in the clearing-format.md format and write the result (stdout by default)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--input", required=True, metavar="FILE", help="the auction to clear (JSON)")
        parser.add_argument("--output", metavar="FILE", help="where to write the result (default: stdout)")

    def handle(self, *args, **options) -> None:
        # Parsing and clearing build hundreds of thousands of small acyclic objects (dicts, tuples, strings);
        # the cycle collector would walk them again and again for nothing. Nothing here creates cycles.
        gc.disable()
        try:
            self._clear(options)
        finally:
            gc.enable()

    def _clear(self, options) -> None:
        try:
            auction = load_input(options["input"])
        except InvalidInput as invalid:
            for problem in invalid.problems:
                self.stderr.write(problem)
            sys.exit(2)
        data = serialise_result(clear(auction)).encode()
        output = options.get("output")
        if output:
            try:
                with open(output, "wb") as file:
                    file.write(data)
            except OSError as error:
                self.stderr.write(f"output: cannot write {output}: {error.strerror or error}")
                sys.exit(1)
            return
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is not None:
            self.stdout.flush()
            buffer.write(data)
            buffer.flush()
        else:
            self.stdout.write(data.decode(), ending="")
