"""The bounded scan worker: attachment extraction in a child process with hard limits.

Parsing an attacker's .docx/.xlsx/.pdf can take minutes and gigabytes (huge headers, zip
bombs, thousands of pages). :func:`scan_bounded` therefore runs the scanner in a child
process that sets ``RLIMIT_AS`` (memory) and ``RLIMIT_CPU`` (CPU time) on itself, and
the parent kills it after the wall-time limit. Whatever happens to the child — timeout,
killed for CPU, out of memory, crashed — the parent returns a result; an incomplete scan is
a blocking 「无法完成自检」 finding, never "clean".

The child is a fresh interpreter (``python -m workflow.scan.worker``), not a fork: it
inherits no thread, lock or database connection of the web worker, and its memory limit
does not depend on the parent's size. The wall clock starts once it has imported the parsers.
"""
from __future__ import annotations

import os
import pickle
import resource
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from workflow.i18n import _
from workflow.scan.extract import N_, R_MEMORY
from workflow.scan.result import SCAN_INCOMPLETE, Finding
from workflow.scan.options import MIB, options_for, positive_int
from workflow.settings import Settings

# The file name the child sees: findings are cached by content, so the real name is put in
# when they are read (see workflow.attachment_scans).
PLACEHOLDER = "attachment"

R_TIMEOUT = N_("处理时间超过 %(seconds)s 秒的上限")
R_CPU = N_("占用 CPU 时间超过 %(seconds)s 秒的上限")
R_KILLED = N_("检查进程异常终止（可能超出 %(mb)s MB 的内存上限）")
R_NO_WORKER = N_("无法启动检查进程")


@dataclass(frozen=True)
class WorkerLimits:
    """``[scan_worker]`` limits on the child process."""

    wall_seconds: float = 20.0
    cpu_seconds: int = 20
    memory_bytes: int = 1024 * MIB

    @classmethod
    def of(cls, settings: Settings) -> "WorkerLimits":
        """The limits set in ``settings`` (defaults for missing keys)."""
        get = settings.get
        return cls(float(positive_int(get("scan_worker.wall_seconds", 20), "scan_worker.wall_seconds")),
                   positive_int(get("scan_worker.cpu_seconds", 20), "scan_worker.cpu_seconds"),
                   positive_int(get("scan_worker.memory_mb", 1024), "scan_worker.memory_mb") * MIB)

    def describe(self) -> str:
        """Part of the scan fingerprint: a file refused under tight limits is retried under looser ones."""
        return f"{self.wall_seconds:g}s/{self.cpu_seconds}s/{self.memory_bytes}"


@dataclass
class BoundedScan:
    """The outcome of one bounded scan: findings as a list and as decided by the file itself."""

    as_list: list[Finding]
    auto: list[Finding]
    elapsed: float
    text: str = ""                  # the text extracted (for search; what was read before a failure)
    complete: bool = field(init=False)
    reason: str = field(init=False)

    def __post_init__(self) -> None:
        incomplete = [f for f in self.as_list if f.detector == SCAN_INCOMPLETE]
        self.complete = not incomplete
        self.reason = incomplete[0].message if incomplete else ""


def fingerprint(settings: Settings) -> str:
    """Scanner version + options + worker limits: the cache key beside the content hash."""
    import hashlib
    raw = options_for(settings).fingerprint + "|" + WorkerLimits.of(settings).describe()
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


# ---------------------------------------------------------------------------------------
# Child side: ``python -m workflow.scan.worker``


def _limit_self(memory_bytes: int, cpu_seconds: int) -> None:
    """Hard limits on this (child) process: address space and CPU seconds, no core dumps."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # SIGXCPU at the soft limit (its default action ends the process), SIGKILL at the hard one.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def child_main() -> None:
    """Entry point of the child: limits first, then the parsers, then one scan over the pipes.

    argv: memory bytes, CPU seconds. Writes ``R`` once the parsers are imported (the wall
    clock starts then), reads one pickled request from stdin, writes one pickled answer.
    """
    _limit_self(int(sys.argv[1]), int(sys.argv[2]))
    from workflow.i18n import set_locale
    from workflow.scan.scanner import extract_and_scan
    import docx, openpyxl, pypdf  # noqa: F401,E401 - imported before the clock starts
    out = sys.stdout.buffer
    out.write(b"R")
    out.flush()
    filename, data, opts, today, locale = pickle.loads(sys.stdin.buffer.read())
    set_locale(locale)
    try:
        modes, text = extract_and_scan(filename, data, (True, None), opts, today)
        answer: tuple[str, list[Finding], list[Finding], str] = ("ok", *modes, text)
    except MemoryError:
        answer = ("memory", [], [], "")
    out.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    out.flush()


# ---------------------------------------------------------------------------------------
# Parent side

# Worker processes started by this process (evidence for tests and logs that a page view scans nothing).
scans_started = 0
STARTUP_SECONDS = 120.0   # interpreter start and imports on a loaded host; not part of the wall limit


def _package_root() -> str:
    import workflow
    return str(Path(workflow.__file__).resolve().parent.parent)


def _wait_ready(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    with selectors.DefaultSelector() as selector:
        assert proc.stdout is not None
        selector.register(proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return False
        return os.read(proc.stdout.fileno(), 1) == b"R"


def scan_bounded(data: bytes, extension: str, *, settings: Settings, today: date) -> BoundedScan:
    """Scan attachment bytes in a child process under ``[scan_worker]`` limits; never hangs.

    ``extension`` is the attachment's (the type is sniffed from the bytes first). Findings are
    located at :data:`PLACEHOLDER`; the caller puts the file name in.
    """
    global scans_started
    from workflow.i18n import get_locale
    opts = options_for(settings)
    limits = WorkerLimits.of(settings)
    scans_started += 1
    name = f"{PLACEHOLDER}.{extension}" if extension else PLACEHOLDER
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_package_root(),
                                                                    os.environ.get("PYTHONPATH")]))}
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "workflow.scan.worker", str(limits.memory_bytes), str(limits.cpu_seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            cwd=_package_root(), close_fds=True)
    except OSError:
        return _failed(name, _(R_NO_WORKER), started)
    status, as_list, auto, text = "died", [], [], ""
    try:
        if not _wait_ready(proc, STARTUP_SECONDS):
            proc.kill()
            proc.communicate()
            return _failed(name, _(R_NO_WORKER), started)
        started = time.monotonic()      # the wall limit counts the scan, not the interpreter's start
        request = pickle.dumps((name, data, opts, today, get_locale()), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            output, _err = proc.communicate(request, timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            status = "timeout"
        else:
            if proc.returncode == 0 and output:
                try:
                    status, as_list, auto, text = pickle.loads(output)
                except (pickle.UnpicklingError, EOFError, ValueError, TypeError):
                    status = "died"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    elapsed = time.monotonic() - started
    if status == "ok":
        return BoundedScan(as_list, auto, elapsed, text)
    if status == "timeout":
        reason = _(R_TIMEOUT, seconds=f"{limits.wall_seconds:g}")
    elif status == "memory":
        reason = _(R_MEMORY)
    elif proc.returncode == -signal.SIGXCPU or (proc.returncode == -signal.SIGKILL
                                                and elapsed >= limits.cpu_seconds):
        # SIGXCPU comes only from RLIMIT_CPU, SIGKILL at its hard limit one second later.
        reason = _(R_CPU, seconds=limits.cpu_seconds)
    else:
        reason = _(R_KILLED, mb=limits.memory_bytes // MIB)
    return _failed(name, reason, started)


def _failed(name: str, reason: str, started: float) -> BoundedScan:
    from workflow.scan.scanner import incomplete_finding
    finding = incomplete_finding(name, reason)
    return BoundedScan([finding], [finding], time.monotonic() - started)


if __name__ == "__main__":
    child_main()
