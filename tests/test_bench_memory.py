"""kam.bench.peak_memory_mb: the peak memory bench_recompute reports for its Celery workers."""

import os
import signal
import subprocess
import sys

import pytest

from kam.bench import peak_memory_mb

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# A parent that stays small and a child that holds 200 MB, as a Celery worker and its pool
# process: the tree's peak is the child's.
CHILD = (
    "import sys, time; block = bytearray(200 * 2**20); print('ready', flush=True); time.sleep(30)"
)
PARENT = (
    "import subprocess, sys; "
    f"child = subprocess.Popen([sys.executable, '-c', {CHILD!r}], stdout=sys.stdout); "
    "child.wait()"
)


def test_the_peak_is_the_largest_of_the_process_and_its_children():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert parent.stdout.readline().strip() == "ready"
        tree = peak_memory_mb(parent.pid)
        with open(f"/proc/{parent.pid}/status") as status:
            own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        assert tree >= 200
        assert own / 1024 < 100  # the parent alone never held the block
    finally:
        os.killpg(parent.pid, signal.SIGKILL)  # the child too
        parent.wait()


def test_a_finished_process_has_no_peak():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    assert peak_memory_mb(process.pid) is None
