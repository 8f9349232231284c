#!/usr/bin/env python3
"""Run dbt so that it dies with the process that started it.

dagster-dbt starts `dbt` with `subprocess.Popen` and offers no hook that runs in the child,
so `DbtCliResource` is given this file as its `dbt_executable`. On Linux it asks the kernel
(`prctl(PR_SET_PDEATHSIG)`) to send it SIGTERM when its parent dies, then replaces itself with
the real dbt: same pid, and the setting survives the exec. Without it a run killed with
SIGKILL (the OOM killer, `kill -9`) left its `dbt build` writing the warehouse as an orphan.
dbt installs no SIGTERM handler, so it stops at once. Elsewhere it only execs dbt.

The real dbt is $OMNISTOCK_DBT_EXECUTABLE (set by pipelines/dbt_project.py), else
`dbt` on PATH. Standard library only: whichever python3 the shebang finds can run it.
"""

import ctypes
import os
import shutil
import signal
import sys

PR_SET_PDEATHSIG = 1


def tie_to_parent() -> None:
    """Have the kernel SIGTERM this process when its parent dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    # a signal mask and an ignored disposition survive fork and exec, and a run started in the
    # background from a script (`nohup ... &`) has SIGINT ignored, which Dagster copies to SIGTERM
    # (dagster/_utils/interrupts.py): dbt would ignore the signal below and outlive its run
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        print(
            f"dbt_with_parent: prctl failed (errno {ctypes.get_errno()}); dbt will outlive a killed run",
            file=sys.stderr,
        )
        return
    if os.getppid() != parent:  # the parent died before the kernel was watching: do what it would have done
        sys.exit(f"dbt_with_parent: parent process {parent} is gone; not starting dbt")


def main() -> None:
    dbt = os.environ.get("OMNISTOCK_DBT_EXECUTABLE") or shutil.which("dbt")
    if not dbt:
        sys.exit("dbt_with_parent: no dbt: set OMNISTOCK_DBT_EXECUTABLE or put dbt on PATH")
    tie_to_parent()
    os.execv(dbt, [dbt, *sys.argv[1:]])


if __name__ == "__main__":
    main()
