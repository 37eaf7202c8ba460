"""Runs until it is cancelled: a helper process of its own, one event, then it waits.

With `--seed 1` it ignores SIGINT and SIGTERM (and so does its helper), so only the
runner's final SIGKILL to the process group stops them.
"""

from __future__ import annotations

import signal
import subprocess
import sys

from tests.fake_demos._protocol import emit, parse_args, say

HELPER = "import signal, sys\n{ignore}print('ready', flush=True)\nsignal.pause()"
IGNORE = "for s in (signal.SIGINT, signal.SIGTERM): signal.signal(s, signal.SIG_IGN)\n"


def main() -> None:
    args = parse_args()
    stubborn = args.seed == 1
    ignore = ""
    if stubborn:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        ignore = IGNORE
    helper = subprocess.Popen(
        [sys.executable, "-c", HELPER.format(ignore=ignore)], stdout=subprocess.PIPE, text=True
    )
    assert helper.stdout is not None
    helper.stdout.readline()  # the helper has set its handlers
    say("fake: waiting to be cancelled")
    emit("dataset", name="nothing", source="fake", shapes={"helper_pid": helper.pid})
    emit("device", backend=args.backend, devices=["CPU:0"], precision=args.precision)
    emit("progress", epoch=1, epochs=1, step=0, steps=10, loss=None)
    signal.pause()


if __name__ == "__main__":
    main()
