"""Dies the way an out-of-memory kill looks: SIGKILL, no error event, no traceback."""

from __future__ import annotations

import os
import signal

from tests.fake_demos._protocol import emit, parse_args, say


def main() -> None:
    args = parse_args()
    emit("device", backend=args.backend, devices=["CPU:0"], precision=args.precision)
    say("fake: allocating far too much")
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    main()
