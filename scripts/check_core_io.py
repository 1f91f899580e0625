#!/usr/bin/python3
"""The I/O check (ctest check_core_io): the protocol core, tls13/, does no I/O (STYLE.md §1). It
gets bytes, a Clock, a Random and a Signer; files, sockets and the environment belong to the rooms
above it (net/files.h reads files; net/socket.h does sockets). This fails on any tls13/ source that
opens a file or socket, connects, or reads the environment.

    check_core_io.py <source dir>

Comments are skipped. `open(` alone is a common method name here (RecordOpener::open, Aead::open,
TicketKeys::open), so POSIX open counts only as ::open( or open(..., O_...)."""
import os
import re
import sys

FORBIDDEN = [
    (re.compile(r"\bstd::(i|o)?fstream\b|\b(i|o)?fstream\s*<|#\s*include\s*<fstream>"), "a file stream"),
    (re.compile(r"#\s*include\s*<(filesystem|fcntl\.h|sys/socket\.h|netdb\.h|netinet/[a-z_]+\.h|sys/un\.h|dirent\.h)>"),
     "a file or socket header"),
    (re.compile(r"(?<![\w.>])(::)?(fopen|freopen|fdopen|popen|opendir)\s*\("), "a C file call"),
    (re.compile(r"(?<![\w.>])::open\s*\(|(?<![\w.>:])open\s*\([^;]*\bO_[A-Z]+"), "POSIX open"),
    (re.compile(r"(?<![\w.>])(::)?(socket|connect|bind|listen|accept4?)\s*\(\s*(AF_|PF_|[a-z_]*fd\b)|"
                r"(?<![\w.>])::(socket|connect)\s*\("), "a socket call"),
    (re.compile(r"(?<![\w.>])(::)?(std::)?(secure_)?getenv\s*\("), "reading the environment"),
]
COMMENT = re.compile(r"//.*?$|/\*.*?\*/", re.S | re.M)


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
    core = os.path.join(root, "tls13")
    errors, files_checked = [], 0
    for folder, _, files in os.walk(core):
        for file in sorted(files):
            if not file.endswith((".cpp", ".h", ".hpp", ".inc")):
                continue
            path = os.path.join(folder, file)
            files_checked += 1
            with open(path, encoding="utf-8", errors="replace") as text:
                # Blank the comments but keep the newlines, so line numbers stay right.
                code = COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text.read())
            for number, line in enumerate(code.splitlines(), 1):
                for pattern, what in FORBIDDEN:
                    match = pattern.search(line)
                    if match:
                        errors.append(f"{os.path.relpath(path, root)}:{number}: {what} "
                                      f"({match.group(0).strip()}): the protocol core does no I/O "
                                      "(STYLE.md §1); do it in a room above (net/, client/, server/, cli/) "
                                      "and pass bytes in")
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"check_core_io: {len(errors)} I/O call(s) in tls13/", file=sys.stderr)
        return 1
    print(f"check_core_io: {files_checked} tls13/ files, no file, socket or environment access")
    return 0


if __name__ == "__main__":
    sys.exit(main())
