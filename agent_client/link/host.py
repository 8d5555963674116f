"""What the agent reports about its machine: name, platform, its own CPU and memory use.

Standard library only (no psutil): CPU from `os.times()` (every platform), resident memory from
/proc on Linux and GetProcessMemoryInfo on Windows. Elsewhere memory is unknown and sent as null.
"""

from __future__ import annotations

import os
import platform
import socket
import sys
import time


def hostname() -> str:
    return socket.gethostname()[:120]


def platform_name() -> str:
    return platform.platform(terse=True)[:120]


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class ProcessMeter:
    """CPU percent of the whole machine (0–100, like Task Manager) since the previous reading."""

    def __init__(self) -> None:
        self._wall = time.monotonic()
        self._cpu = _cpu_seconds()

    def cpu_percent(self) -> float:
        wall, cpu = time.monotonic(), _cpu_seconds()
        elapsed = wall - self._wall
        used = cpu - self._cpu
        self._wall, self._cpu = wall, cpu
        if elapsed <= 0:
            return 0.0
        return round(min(100.0, 100.0 * used / elapsed / (os.cpu_count() or 1)), 1)

    @staticmethod
    def rss_mb() -> float | None:
        size = _rss_bytes()
        return None if size is None else round(size / (1024 * 1024), 1)


if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    class _MemoryCounters(ctypes.Structure):
        _fields_ = [
            ("cb", wintypes.DWORD),
            ("PageFaultCount", wintypes.DWORD),
            ("PeakWorkingSetSize", ctypes.c_size_t),
            ("WorkingSetSize", ctypes.c_size_t),
            ("QuotaPeakPagedPoolUsage", ctypes.c_size_t),
            ("QuotaPagedPoolUsage", ctypes.c_size_t),
            ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t),
            ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
            ("PagefileUsage", ctypes.c_size_t),
            ("PeakPagefileUsage", ctypes.c_size_t),
        ]

    def _rss_bytes() -> int | None:
        try:
            kernel32 = ctypes.WinDLL("kernel32")
            psapi = ctypes.WinDLL("psapi")
            kernel32.GetCurrentProcess.restype = wintypes.HANDLE
            psapi.GetProcessMemoryInfo.argtypes = [
                wintypes.HANDLE,
                ctypes.POINTER(_MemoryCounters),
                wintypes.DWORD,
            ]
            counters = _MemoryCounters()
            counters.cb = ctypes.sizeof(counters)
            if not psapi.GetProcessMemoryInfo(
                kernel32.GetCurrentProcess(), ctypes.byref(counters), counters.cb
            ):
                return None
            return int(counters.WorkingSetSize)
        except OSError:
            return None

else:

    def _rss_bytes() -> int | None:
        try:
            with open("/proc/self/statm", encoding="ascii") as handle:
                resident_pages = int(handle.read().split()[1])
            return resident_pages * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return None  # not Linux (macOS has no /proc): memory is reported as unknown
