"""Ctrl-C ends any command with exit status 130 and one line, `studyapp: interrupted`.

Most commands let the interrupt unwind: their transaction rolls back, a half-written export
is removed, and `studyapp.cli.app.main` says the one line. An import needs more care: it
parses in a second process, and the terminal sends Ctrl-C to every process of the group, so
the parsing process would die with a traceback of its own, and the pool waiting for it would
hang or fail with "cannot join current thread" when it is collected from the wrong thread.
So for the length of an import (`ctrl_c_for_an_import`) the signal is blocked, which the
parsing process inherits, and one thread waits for it: it interrupts the main thread, which
unwinds as usual and closes the parsing pool there (the pool cancels what it has not started).
A second Ctrl-C ends the process at once, which the database survives as it survives SIGKILL.
"""

from __future__ import annotations

import _thread
import os
import signal
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from studyapp.cli.context import CliContext

EXIT_INTERRUPTED = 130
MESSAGE = "studyapp: interrupted"


def by_ctrl_c(error: BaseException) -> bool:
    """Whether `error` (typer's exit with 130, say) was caused by a KeyboardInterrupt,
    rather than a command choosing status 130 itself (a demo run it cancelled)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return False


def say_interrupted(context: CliContext | None) -> None:
    (context or CliContext()).error(MESSAGE)


@contextmanager
def ctrl_c_for_an_import() -> Iterator[None]:
    """Inside the block, Ctrl-C reaches only this process, as a KeyboardInterrupt in the
    main thread; processes started in the block never see it."""
    if (
        not hasattr(signal, "sigtimedwait")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield  # (macOS has no sigtimedwait: the plain KeyboardInterrupt, as for any command)
        return
    done = threading.Event()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    # Started after the block, so it too blocks SIGINT, and takes it with sigtimedwait.
    watcher = threading.Thread(target=_wait_for_ctrl_c, args=(done,), daemon=True)
    watcher.start()
    try:
        yield
    except KeyboardInterrupt as error:
        # Let go of the frames the interrupt passed through now, in this thread: the
        # parsing pool they hold shuts down here, not in the garbage collector's thread.
        traceback.clear_frames(error.__traceback__)
        raise
    finally:
        done.set()
        watcher.join()
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _wait_for_ctrl_c(done: threading.Event) -> None:
    interrupted = False
    while not done.is_set():
        if signal.sigtimedwait({signal.SIGINT}, 0.1) is None:
            continue
        if interrupted:  # the second Ctrl-C: do not wait for the unwinding
            os.write(2, (MESSAGE + "\n").encode())
            os._exit(EXIT_INTERRUPTED)
        interrupted = True
        _thread.interrupt_main()
