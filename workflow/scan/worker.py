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
from typing import Any

from workflow.i18n import _
from workflow.scan.extract import N_, R_MEMORY, TextUnit
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
    """Entry point of the child: limits first, then the parsers, then one request over the pipes.

    argv: memory bytes, CPU seconds. Writes ``R`` once the parsers are imported (the wall
    clock starts then), reads one pickled request from stdin, writes one pickled answer. A request
    is a scan (findings and text) or, for the read-only preview, the text units themselves.
    """
    _limit_self(int(sys.argv[1]), int(sys.argv[2]))
    from workflow.i18n import set_locale
    from workflow.scan.scanner import extract_and_scan, extract_units
    import docx, openpyxl, pypdf  # noqa: F401,E401 - imported before the clock starts
    out = sys.stdout.buffer
    out.write(b"R")
    out.flush()
    mode, filename, data, opts, today, locale = pickle.loads(sys.stdin.buffer.read())
    set_locale(locale)
    answer: tuple[Any, ...]
    try:
        if mode == "units":
            units, failure, _table = extract_units(filename, data, opts)
            reason = _(failure.reason, **failure.params) if failure is not None else ""
            answer = ("ok", units, reason)
        else:
            modes, text = extract_and_scan(filename, data, (True, None), opts, today)
            answer = ("ok", *modes, text)
    except MemoryError:
        answer = ("memory",)
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


@dataclass
class ChildRun:
    """How one child ended: ``ok`` (``answer`` holds its reply), ``timeout``, ``memory``, ``died`` or
    ``no_worker``; with its exit code and the seconds it worked."""

    status: str
    answer: tuple[Any, ...] = ()
    returncode: int | None = None
    elapsed: float = 0.0


def _run_child(request: tuple[Any, ...], limits: WorkerLimits) -> ChildRun:
    """Start the child under ``limits``, send it one request and read its one answer; never hangs."""
    global scans_started
    scans_started += 1
    started = time.monotonic()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_package_root(),
                                                                    os.environ.get("PYTHONPATH")]))}
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "workflow.scan.worker", str(limits.memory_bytes), str(limits.cpu_seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
            cwd=_package_root(), close_fds=True)
    except OSError:
        return ChildRun("no_worker")
    run = ChildRun("died")
    try:
        if not _wait_ready(proc, STARTUP_SECONDS):
            proc.kill()
            proc.communicate()
            return ChildRun("no_worker")
        started = time.monotonic()      # the wall limit counts the work, not the interpreter's start
        try:
            output, _err = proc.communicate(pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL),
                                            timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            run = ChildRun("timeout")
        else:
            if proc.returncode == 0 and output:
                try:
                    answer = pickle.loads(output)
                    run = ChildRun(answer[0], answer[1:])
                except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError):
                    run = ChildRun("died")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    run.returncode, run.elapsed = proc.returncode, time.monotonic() - started
    return run


def _failure_reason(run: ChildRun, limits: WorkerLimits) -> str:
    """Why a child gave no answer, in the words of a finding."""
    if run.status == "no_worker":
        return _(R_NO_WORKER)
    if run.status == "timeout":
        return _(R_TIMEOUT, seconds=f"{limits.wall_seconds:g}")
    if run.status == "memory":
        return _(R_MEMORY)
    if run.returncode == -signal.SIGXCPU or (run.returncode == -signal.SIGKILL and run.elapsed >= limits.cpu_seconds):
        # SIGXCPU comes only from RLIMIT_CPU, SIGKILL at its hard one a second later.
        return _(R_CPU, seconds=limits.cpu_seconds)
    return _(R_KILLED, mb=limits.memory_bytes // MIB)


def scan_bounded(data: bytes, extension: str, *, settings: Settings, today: date) -> BoundedScan:
    """Scan attachment bytes in a child process under ``[scan_worker]`` limits; never hangs.

    ``extension`` is the attachment's (the type is sniffed from the bytes first). Findings are
    located at :data:`PLACEHOLDER`; the caller puts the file name in.
    """
    from workflow.i18n import get_locale
    limits = WorkerLimits.of(settings)
    name = f"{PLACEHOLDER}.{extension}" if extension else PLACEHOLDER
    run = _run_child(("scan", name, data, options_for(settings), today, get_locale()), limits)
    if run.status == "ok":
        as_list, auto, text = run.answer
        return BoundedScan(as_list, auto, run.elapsed, text)
    return _failed(name, _failure_reason(run, limits), run.elapsed)


@dataclass(frozen=True)
class BoundedUnits:
    """The text units of an attachment read in the bounded child (for the read-only preview), and
    why reading stopped early if it did ("" when the whole file was read)."""

    units: list[TextUnit]
    reason: str


def extract_bounded(data: bytes, extension: str, *, settings: Settings, today: date) -> BoundedUnits:
    """The attachment's text units, read by the same parsers under the same limits as the scan, in a
    child process: a preview of a crafted file costs bounded memory and time, like its scan."""
    from workflow.i18n import get_locale
    limits = WorkerLimits.of(settings)
    name = f"{PLACEHOLDER}.{extension}" if extension else PLACEHOLDER
    run = _run_child(("units", name, data, options_for(settings), today, get_locale()), limits)
    if run.status == "ok":
        units, reason = run.answer
        return BoundedUnits(list(units), reason)
    return BoundedUnits([], _failure_reason(run, limits))


def _failed(name: str, reason: str, elapsed: float) -> BoundedScan:
    from workflow.scan.scanner import incomplete_finding
    finding = incomplete_finding(name, reason)
    return BoundedScan([finding], [finding], elapsed)


if __name__ == "__main__":
    child_main()
