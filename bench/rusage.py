#!/usr/bin/env python3
"""Run a command and write its wall time and CPU time (user + system of it and everything it
waited for, from wait4's rusage, microsecond resolution) as JSON to the file named by -o.

  rusage.py -o out.json cmd [args...]

bench/packed.ts wraps both the dispatch and `runtime/node -e 0` with it, so both pay the same
wrapper cost and the CPU figures come from the kernel, not from sampling.
"""
import json
import os
import sys
import time


def main() -> int:
    if len(sys.argv) < 4 or sys.argv[1] != "-o":
        sys.stderr.write("usage: rusage.py -o out.json cmd [args...]\n")
        return 2
    out, argv = sys.argv[2], sys.argv[3:]
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    with open(out, "w", encoding="utf8") as f:
        json.dump({"wallMs": wall * 1000, "userMs": ru.ru_utime * 1000, "sysMs": ru.ru_stime * 1000, "maxRssKb": ru.ru_maxrss}, f)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
