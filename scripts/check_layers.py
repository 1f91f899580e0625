#!/usr/bin/python3
"""The layering check (ctest check_layers): every #include "..." in a room must name a file of the
same room or of a room below it, as cmake/rooms.txt lists them. An include that runs upward or
sideways (server -> client, tls13 -> tpm) fails with the file, the line and the allowed rooms.

    check_layers.py <source dir>

Rooms not in the table (tests/, docs/examples/) may include anything. A path inside a room is
written from the source root ("tls13/bytes.h"); bench/ also includes its own "tls_bench/..." and
the tests' "support/..." helpers; an include with no folder is a file next to the includer or a
generated one (rfc8448_section3.inc)."""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SOURCES = (".cpp", ".h", ".hpp", ".inc")


def read_rooms(root):
    rooms = {}
    with open(os.path.join(root, "cmake", "rooms.txt")) as table:
        for line in table:
            line = line.split("#", 1)[0].split()
            if line:
                rooms[line[0]] = set(line[1:])
    return rooms


def room_of(path, rooms):
    """The longest room folder that holds `path` (relative to the source root), or None."""
    best = None
    for room in rooms:
        if path == room or path.startswith(room + "/"):
            if best is None or len(room) > len(best):
                best = room
    return best


def target_room(root, source, name, rooms):
    """The room the included file belongs to; None when it is local (same folder, generated)."""
    if "/" not in name:
        return None
    first = name.split("/", 1)[0]
    if first in rooms or first == "tests":
        return room_of(name, rooms) or first
    # bench/tls_bench/x.h included as "tls_bench/x.h"; tests' support/ as "support/x.h".
    own = room_of(source, rooms)
    if own and os.path.exists(os.path.join(root, own.split("/")[0], name)):
        return own
    if os.path.exists(os.path.join(root, "tests", name)):
        return "tests"
    return "?"


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    rooms = read_rooms(root)
    errors, checked = [], 0
    for room in rooms:
        for folder, _, files in os.walk(os.path.join(root, room)):
            for file in sorted(files):
                if not file.endswith(SOURCES):
                    continue
                source = os.path.relpath(os.path.join(folder, file), root)
                own = room_of(source, rooms)
                if own != room:
                    continue  # a sub-room (tests/core_only) is checked as itself
                with open(os.path.join(root, source), encoding="utf-8", errors="replace") as text:
                    for number, line in enumerate(text, 1):
                        match = INCLUDE.match(line)
                        if not match:
                            continue
                        checked += 1
                        name = match.group(1)
                        target = target_room(root, source, name, rooms)
                        if target is None or target == own or target in rooms[own]:
                            continue
                        allowed = " ".join(sorted(rooms[own])) or "none"
                        if target == "?":
                            why = "names no room"
                        else:
                            why = "runs upward or sideways into " + target + "/"
                        errors.append(f'{source}:{number}: #include "{name}" {why}; '
                                      f"{own}/ may include only itself and: {allowed} (cmake/rooms.txt)")
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"check_layers: {len(errors)} include(s) break the layering (docs/architecture.md)",
              file=sys.stderr)
        return 1
    print(f"check_layers: {checked} includes in {len(rooms)} rooms follow cmake/rooms.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
