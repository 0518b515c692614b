"""The local GPU pool (leakgan.devices): which devices count, the order slots are taken in, locks held by
other processes, release at exit (kill -9 included), K slots per device, the timeout, SLURM.

No GPU is needed: the device lists are given (`count`, CUDA_VISIBLE_DEVICES) and the locks live in tmp dirs.
"""
from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time

import pytest

from leakgan.devices import (CHAINS_PER_GPU_ENV, DevicePool, choose_device, default_lock_dir, device_keys, share_gpus,
                             shared_chains, visible_devices)
from leakgan.errors import UserError
from tests.conftest import REPO

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
os.write(fd, f"pid {os.getpid()} (test holder)".encode())
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""

POOL_CHILD = """
import sys, time
from leakgan.devices import DevicePool
lease = DevicePool(sys.argv[1], [0, 1], 1).acquire(timeout=5)
print(lease.device, flush=True)
time.sleep(60)
"""


def hold(path, seconds: float = 60.0) -> subprocess.Popen:
    """Another process holding an exclusive flock on `path` for `seconds` (returns once it holds it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


@pytest.mark.parametrize("value, count, expected", [
    (None, 3, [0, 1, 2]),                    # unset: torch's count
    (None, 0, []),
    ("", None, []),                          # set but empty: no GPU
    ("-1", None, []),
    ("2,3", None, [0, 1]),                   # torch calls them cuda:0 and cuda:1
    (" 2, 3 ", None, [0, 1]),
    ("2,3", 1, [0]),                         # capped at torch's count
    ("0,-1,1", None, [0]),                   # the list ends at an invalid entry, as in CUDA
    ("GPU-8a3b6c1e-aaaa-bbbb-cccc-000000000001,GPU-8a3b6c1e-aaaa-bbbb-cccc-000000000002", None, [0, 1]),
])
def test_visible_devices_reads_cuda_visible_devices_as_positions(value, count, expected):
    env = {} if value is None else {"CUDA_VISIBLE_DEVICES": value}
    assert visible_devices(count, env) == expected


def test_lock_keys_name_the_physical_devices():
    assert device_keys(2, {}) == ["0", "1"]
    assert device_keys(None, {"CUDA_VISIBLE_DEVICES": "5,7"}) == ["5", "7"]
    assert device_keys(None, {"CUDA_VISIBLE_DEVICES": "GPU-12ab/x,MIG-3"}) == ["GPU-12ab_x", "MIG-3"]


def test_default_lock_dir_is_per_user_and_machine(tmp_path):
    assert default_lock_dir({"LEAKGAN_GPU_LOCK_DIR": str(tmp_path)}) == tmp_path
    assert default_lock_dir({"TMPDIR": "/scratch"}).as_posix() == f"/scratch/leakgan-gpus-{os.getuid()}"
    assert default_lock_dir({}).name == f"leakgan-gpus-{os.getuid()}"


def test_slots_spread_over_devices_first(tmp_path):
    pool = DevicePool(tmp_path / "locks", [0, 1, 2], slots_per_device=2)
    assert [(d, k) for d, k, _ in pool.slots()] == [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]
    # a second open of a lock file conflicts with the first even in one process: each acquire is a new job
    leases = [pool.acquire(timeout=0) for _ in range(6)]
    assert [(lease.device, lease.slot) for lease in leases] == [(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]
    assert pool.try_acquire() is None
    leases[1].release()
    again = pool.try_acquire()
    assert (again.device, again.slot) == (1, 0)
    assert sorted(p.name for p in (tmp_path / "locks").iterdir()) == sorted(
        f"gpu{d}.slot{k}.lock" for d in range(3) for k in range(2))
    for lease in leases + [again]:
        lease.release()


def test_k_slots_per_device(tmp_path):
    pool = DevicePool(tmp_path, [0], slots_per_device=3)
    leases = [pool.acquire(timeout=0) for _ in range(3)]
    assert [(lease.device, lease.slot) for lease in leases] == [(0, 0), (0, 1), (0, 2)]
    assert pool.try_acquire() is None
    with pytest.raises(UserError, match="at least 1"):
        DevicePool(tmp_path, [0], slots_per_device=0)


def test_a_slot_held_by_another_process_is_skipped(tmp_path):
    holder = hold(tmp_path / "gpu0.slot0.lock")
    try:
        with DevicePool(tmp_path, [0, 1], 1).acquire(timeout=0) as lease:
            assert (lease.device, lease.slot) == (1, 0)
            assert f"pid {os.getpid()}" in lease.path.read_text()  # who holds it, for humans
        assert not lease.held
    finally:
        kill9(holder)


def test_released_when_the_holder_is_killed_with_sigkill(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", POOL_CHILD, str(tmp_path)], cwd=REPO,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "0"  # the child holds device 0 through the pool
        pool = DevicePool(tmp_path, [0, 1], 1)
        with pool.acquire(timeout=0) as lease:
            assert lease.device == 1
    finally:
        kill9(child)  # no clean-up code runs: the kernel drops the flock
    with pool.acquire(timeout=0) as lease:
        assert (lease.device, lease.slot) == (0, 0)


def test_a_waiting_job_gets_the_slot_when_its_holder_exits(tmp_path):
    holder = hold(tmp_path / "gpu0.slot0.lock", seconds=0.3)
    start = time.monotonic()
    with DevicePool(tmp_path, [0], 1).acquire(timeout=10, poll=0.05) as lease:
        assert lease.device == 0
    assert time.monotonic() - start < 5
    holder.wait(timeout=10)


def test_dropping_the_lease_object_keeps_the_slot(tmp_path):
    pool = DevicePool(tmp_path, [0], 1)
    pool.acquire(timeout=0)  # not kept: the slot stays held until release() or the process ends
    gc.collect()
    assert pool.try_acquire() is None


def test_timeout_is_one_line_naming_the_holders(tmp_path):
    holders = [hold(tmp_path / f"gpu{d}.slot0.lock") for d in (0, 1)]
    try:
        start = time.monotonic()
        with pytest.raises(UserError) as info:
            DevicePool(tmp_path, [0, 1], 1).acquire(timeout=0.2, poll=0.05)
        assert 0.2 <= time.monotonic() - start < 2
        message = str(info.value)
        assert "\n" not in message
        assert message.startswith("no free GPU slot after 0.2 s: all 2 GPU(s) × 1 slot(s) under ")
        assert f"gpu0.slot0: pid {holders[0].pid} (test holder)" in message
    finally:
        for proc in holders:
            kill9(proc)


def test_choose_device_cpu_auto_and_cuda(tmp_path):
    locks = tmp_path / "locks"
    assert choose_device("cpu", locks, env={}, count=4) == ("cpu", None)
    assert choose_device("auto", locks, env={}, count=0) == ("cpu", None)
    assert choose_device("auto", locks, env={"CUDA_VISIBLE_DEVICES": ""}, count=0) == ("cpu", None)
    assert not locks.exists()
    one_line = "^config key 'device' is cuda but no CUDA GPU is visible; set device: cpu or auto$"
    with pytest.raises(UserError, match=one_line):
        choose_device("cuda", locks, env={}, count=0)
    first, lease0 = choose_device("cuda", locks, env={}, count=2, timeout=0)
    second, lease1 = choose_device("auto", locks, env={}, count=2, timeout=0)
    assert (first, second) == ("cuda:0", "cuda:1")
    lease0.release()
    lease1.release()
    # two chains per GPU: the third job shares device 0
    names = [choose_device("cuda", locks, 2, env={}, count=2, timeout=0) for _ in range(3)]
    assert [name for name, _ in names] == ["cuda:0", "cuda:1", "cuda:0"]
    with pytest.raises(UserError, match="is not one of cpu, cuda, auto"):
        choose_device("gpu", locks, env={}, count=1)


def test_choose_device_locks_the_masked_devices_by_their_own_names(tmp_path):
    name, lease = choose_device("cuda", tmp_path, env={"CUDA_VISIBLE_DEVICES": "5,6"}, count=2, timeout=0)
    assert name == "cuda:0" and lease.path.name == "gpu5.slot0.lock"
    other = subprocess.run([sys.executable, "-c",
                            "from leakgan.devices import choose_device; "
                            f"print(choose_device('cuda', {str(tmp_path)!r}, env={{'CUDA_VISIBLE_DEVICES': '6,5'}}, "
                            "count=2, timeout=0)[0])"],
                           cwd=REPO, capture_output=True, text=True, timeout=30)
    assert other.stdout.strip() == "cuda:0", other.stderr  # GPU 6 (its cuda:0) is free; GPU 5 is ours
    lease.release()


def test_slurm_jobs_take_no_lock(tmp_path):
    locks = tmp_path / "locks"
    env = {"SLURM_JOB_ID": "4242", "CUDA_VISIBLE_DEVICES": "0"}
    assert choose_device("cuda", locks, 4, env=env, count=1) == ("cuda", None)
    assert choose_device("auto", locks, env=env, count=1) == ("cuda", None)
    assert choose_device("auto", locks, env={"SLURM_JOB_ID": "4242"}, count=0) == ("cpu", None)
    assert not locks.exists()


def test_the_snakefile_tells_its_local_jobs_how_many_chains_share_a_gpu(monkeypatch):
    monkeypatch.delenv(CHAINS_PER_GPU_ENV, raising=False)
    assert shared_chains() == 1  # unset: one chain per GPU
    share_gpus(4)
    assert os.environ[CHAINS_PER_GPU_ENV] == "4" and shared_chains() == 4
    assert shared_chains({CHAINS_PER_GPU_ENV: ""}) == 1 and shared_chains({CHAINS_PER_GPU_ENV: "2"}) == 2
