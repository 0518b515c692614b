"""Which GPU a local job runs on: a small pool of device slots held with file locks.

A local Snakemake run on a machine with several GPUs would otherwise put every
job on cuda:0. Here a job that wants a GPU takes a free slot of the pool: an
exclusive, non-blocking `fcntl.flock` on `<lock_dir>/gpu<key>.slot<k>.lock`,
one file per (device, slot). `chains_per_gpu` K gives each device K slots, so
K chains may share one GPU. Slots are tried in a fixed order that spreads
jobs over the devices first (device 0 slot 0, device 1 slot 0, ..., then
slot 1 of each), and a job waits, polling, while every slot is taken.

Nothing else is scheduled here: Snakemake still decides what runs and when
(locally, give it `--resources gpu=<devices × K>` so that it never starts
more GPU jobs than there are slots and no job waits on the pool). On SLURM
(`SLURM_JOB_ID` set) no lock is taken: the executor plugin's `--gpus` gives
the job its own GPUs and the job uses the first it sees (`cuda`).

A lease lasts until `Lease.release()` or the end of the process, however it
ends: the kernel drops a process's flocks when its last file descriptor on
the lock closes, which happens at exit, on an exception, and on `kill -9`
alike, so a crashed job never leaves a slot taken. Dropping the `Lease`
object does not release it (the descriptor is a raw one that is closed only
by `release()` or the exit). A child made with `fork` shares the descriptor
and keeps the lock until it exits too. The lock files stay in place (their
text names the last holder's pid and start time, for humans): deleting one
while it is held would let a second job lock a new file of the same name.

Lock keys are the device entries of `CUDA_VISIBLE_DEVICES` when it is set
(`2,3` locks `gpu2` and `gpu3`, which torch calls cuda:0 and cuda:1), else
torch's indices, so jobs started with different masks on one machine still
agree on which physical GPU a lock means; a UUID entry (`GPU-…`, `MIG-…`)
keys by the UUID, so one GPU named once by index and once by UUID is two
keys. flock needs a local file system for the lock directory: use a
directory on this machine (`default_lock_dir`), not a network share.

Use, once per process (a second call takes a second slot):

    device, lease = choose_device(setting, default_lock_dir(), chains_per_gpu)
    if device.startswith("cuda:"):
        torch.cuda.set_device(int(device[5:]))  # streams and CUDA graphs use the current device

and keep `lease` referenced for the job's life. Work on a GPU that did not
come through the pool (another user's, another program's) is not seen.

This module imports torch only to count GPUs, and only when asked to.
"""
from __future__ import annotations

import errno
import fcntl
import os
import re
import socket
import tempfile
import time
from pathlib import Path
from typing import Mapping

from leakgan.errors import UserError

ENV_LOCK_DIR = "LEAKGAN_GPU_LOCK_DIR"
CHAINS_PER_GPU_ENV = "LEAKGAN_CHAINS_PER_GPU"  # how many local jobs may share one GPU (resources.chains_per_gpu)


def share_gpus(chains_per_gpu: int) -> None:
    """Tell the local jobs of this Snakemake run (they inherit the environment) how many of them may share one
    GPU; SLURM jobs get GPUs of their own and ignore it."""
    os.environ[CHAINS_PER_GPU_ENV] = str(int(chains_per_gpu))


def shared_chains(env: Mapping[str, str] = os.environ) -> int:
    """How many local jobs may share one GPU, as `share_gpus` left it for this job (1 when it is unset)."""
    return int(env.get(CHAINS_PER_GPU_ENV, "1") or 1)


def default_lock_dir(env: Mapping[str, str] = os.environ) -> Path:
    """Where the machine's slot locks live: $LEAKGAN_GPU_LOCK_DIR, else <temp dir>/leakgan-gpus-<uid>.

    The same for every run of this user on this machine, whatever folder
    Snakemake runs in, so two workflows side by side share one pool; on a
    local file system (flock); and not $XDG_RUNTIME_DIR, which systemd
    removes at the user's last logout while a job in tmux may still hold a
    slot (a new job would then lock a new file of the same name).
    """
    if env.get(ENV_LOCK_DIR):
        return Path(env[ENV_LOCK_DIR])
    return Path(env.get("TMPDIR") or tempfile.gettempdir()) / f"leakgan-gpus-{os.getuid()}"


def _mask_entries(value: str) -> list[str]:
    """The device entries of a CUDA_VISIBLE_DEVICES value, as the CUDA runtime reads it: comma-separated,
    spaces ignored, and the list ends at the first entry that is empty or a negative number ("-1": none)."""
    entries = []
    for raw in value.split(","):
        item = raw.strip()
        if not item or item.startswith("-"):
            break
        entries.append(item)
    return entries


def device_keys(count: int | None = None, env: Mapping[str, str] = os.environ) -> list[str]:
    """The lock key of each device in `visible_devices` order: the CUDA_VISIBLE_DEVICES entry when the
    variable is set (an index or a UUID, reduced to letters, digits, '.', '_' and '-'), else the index."""
    value = env.get("CUDA_VISIBLE_DEVICES")
    if value is None:
        return [str(i) for i in visible_devices(count, env)]
    keys = [re.sub(r"[^A-Za-z0-9._-]", "_", entry) for entry in _mask_entries(value)]
    return keys if count is None else keys[:count]


def visible_devices(count: int | None = None, env: Mapping[str, str] = os.environ) -> list[int]:
    """The device indices torch will see (cuda:0 .. cuda:n-1).

    With CUDA_VISIBLE_DEVICES set, one index per entry (`2,3` -> [0, 1]; an
    empty value or `-1` -> []; UUIDs count by position), capped at `count`
    when it is given (torch's own count, which can be lower when an entry
    names no GPU). Unset: range(count), `count` defaulting to
    torch.cuda.device_count() (torch imported only then).
    """
    value = env.get("CUDA_VISIBLE_DEVICES")
    if value is not None:
        n = len(_mask_entries(value))
        return list(range(n if count is None else min(n, count)))
    if count is None:
        count = _torch_device_count()
    return list(range(count))


def _torch_device_count() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


class Lease:
    """One held slot: `device` (torch's index), `slot`, the lock file `path`; `release()` or leave a `with` block."""

    def __init__(self, device: int, slot: int, path: Path, fd: int | None):
        self.device, self.slot, self.path, self._fd = device, slot, path, fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Unlock the slot (a second call does nothing)."""
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)

    def __enter__(self) -> "Lease":
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"Lease(device={self.device}, slot={self.slot}, path={str(self.path)!r}, held={self.held})"


class DevicePool:
    """Slots `slots_per_device` deep on each of `devices` (torch indices), locked under `lock_dir`.

    `keys` names each device's lock files (default: its index); see `device_keys`.
    """

    def __init__(self, lock_dir: str | os.PathLike, devices: list[int], slots_per_device: int = 1,
                 keys: list[str] | None = None):
        if slots_per_device < 1:
            raise UserError(f"chains per GPU must be at least 1, got {slots_per_device}")
        if keys is not None and len(keys) != len(devices):
            raise ValueError("one lock key per device")
        self.lock_dir = Path(lock_dir)
        self.devices = list(devices)
        self.slots_per_device = int(slots_per_device)
        self.keys = list(keys) if keys is not None else [str(d) for d in self.devices]

    def slots(self) -> list[tuple[int, int, Path]]:
        """(device, slot, lock file) in the order they are tried: every device's slot 0 first, then slot 1, ..."""
        return [(device, k, self.lock_dir / f"gpu{key}.slot{k}.lock")
                for k in range(self.slots_per_device) for device, key in zip(self.devices, self.keys)]

    def try_acquire(self) -> Lease | None:
        """The first free slot, locked, or None when every slot is held."""
        if not self.devices:
            return None
        try:
            self.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # per user: nobody else writes here
        except OSError as exc:
            raise UserError(f"{self.lock_dir}: cannot create the GPU lock directory ({exc.strerror}); "
                            f"set {ENV_LOCK_DIR} to a writable local directory") from None
        for device, slot, path in self.slots():
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise UserError(f"{path}: cannot open the GPU lock file ({exc.strerror}); "
                                f"set {ENV_LOCK_DIR} to a writable local directory") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    continue
                raise UserError(f"{path}: cannot lock the GPU lock file ({exc.strerror}); "
                                f"flock needs a local file system: set {ENV_LOCK_DIR}") from None
            _note_holder(fd, device, slot)
            return Lease(device, slot, path, fd)
        return None

    def acquire(self, timeout: float | None = None, poll: float = 0.5) -> Lease:
        """A free slot, waiting (polling every `poll` s) until one frees up; `timeout` s at most (None: no limit)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            lease = self.try_acquire()
            if lease is not None:
                return lease
            if not self.devices:
                raise UserError("no GPU to choose from (CUDA_VISIBLE_DEVICES names none, or torch sees none)")
            if deadline is not None and time.monotonic() >= deadline:
                raise UserError(f"no free GPU slot after {timeout:g} s: all {len(self.devices)} GPU(s) × "
                                f"{self.slots_per_device} slot(s) under {self.lock_dir} are held "
                                f"({self.holders()}); give Snakemake --resources gpu=<free slots>, "
                                "or raise chains per GPU")
            time.sleep(poll if deadline is None else max(0.0, min(poll, deadline - time.monotonic())))

    def holders(self) -> str:
        """What the lock files say about their holders (the first four), for messages: 'gpu0.slot0: pid 123 on ...'."""
        notes, slots = [], self.slots()
        for _, _, path in slots[:4]:
            try:
                text = path.read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                text = ""
            notes.append(f"{path.stem}: {text or 'holder unknown'}")
        more = f"; and {len(slots) - 4} more" if len(slots) > 4 else ""
        return "; ".join(notes) + more


def _note_holder(fd: int, device: int, slot: int) -> None:
    """Write who holds the slot into its lock file (for humans; the lock is the flock, not the text)."""
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    text = f"pid {os.getpid()} on {socket.gethostname()} since {started} (cuda:{device}, slot {slot})\n"
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, text.encode(), 0)
    except OSError:
        pass


def choose_device(setting: str, lock_dir: str | os.PathLike, chains_per_gpu: int = 1,
                  env: Mapping[str, str] = os.environ, *, count: int | None = None,
                  timeout: float | None = None, poll: float = 0.5) -> tuple[str, Lease | None]:
    """The torch device for the config's `device` setting (cpu, cuda, auto), and the lease that holds it.

    cpu -> ("cpu", None). Under SLURM (SLURM_JOB_ID set) -> ("cuda", None):
    the job sees only the GPUs allocated to it, and no lock is taken. Else,
    with GPUs visible -> ("cuda:<i>", lease), i torch's index of the device
    whose slot was taken (waiting for a free one, `timeout` s at most); with
    none, auto -> ("cpu", None) and cuda -> UserError. `count` stands in for
    torch.cuda.device_count() (tests).
    """
    if setting not in ("cpu", "cuda", "auto"):
        raise UserError(f"config key 'device': {setting!r} is not one of cpu, cuda, auto")
    if setting == "cpu":
        return "cpu", None
    if count is None:
        count = _torch_device_count()
    devices = visible_devices(count, env)
    if not devices:
        if setting == "auto":
            return "cpu", None
        raise UserError("config key 'device' is cuda but no CUDA GPU is visible; set device: cpu or auto")
    if env.get("SLURM_JOB_ID"):
        return "cuda", None
    pool = DevicePool(lock_dir, devices, chains_per_gpu, keys=device_keys(count, env))
    lease = pool.acquire(timeout=timeout, poll=poll)
    return f"cuda:{lease.device}", lease
