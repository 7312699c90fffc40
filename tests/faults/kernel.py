"""Run code in a Voila kernel from a test: a second client on the kernel's connection file."""

from __future__ import annotations

import re
import time
import urllib.request
from typing import Callable

import psutil

KERNEL_ID = re.compile(r'kernelId"\s*:\s*"([0-9a-f-]{36})"')


def open_page(url: str, timeout: float = 120.0) -> str:
    """GET a Voila page (Voila starts a kernel and runs the notebook); returns the kernel id."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        html = resp.read().decode("utf-8", "replace")
    m = KERNEL_ID.search(html)
    assert m, "the Voila page names no kernel"
    return m.group(1)


def connection_file(server_pid: int, kernel_id: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(server_pid).children(recursive=True):
            try:
                cmd = child.cmdline()
            except psutil.NoSuchProcess:
                continue
            for i, part in enumerate(cmd[:-1]):
                if part == "-f" and f"kernel-{kernel_id}.json" in cmd[i + 1]:
                    return cmd[i + 1]
        time.sleep(0.2)
    raise AssertionError(f"no kernel process for kernel {kernel_id}")


class KernelRunner:
    """Execute code in a running kernel and read its printed lines as they come."""

    def __init__(self, conn_file: str) -> None:
        from jupyter_client import BlockingKernelClient

        self.kc = BlockingKernelClient(connection_file=conn_file)
        self.kc.load_connection_file()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str, timeout: float = 60.0) -> str:
        """Run to the end; stdout (an exception in the kernel fails the test with its traceback)."""
        out: list[str] = []
        errors: list[str] = []

        def hook(msg: dict) -> None:
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                errors.append("\n".join(msg["content"]["traceback"]))

        self.kc.execute_interactive(code, timeout=timeout, output_hook=hook, store_history=False)
        assert not errors, re.sub(r"\x1b\[[0-9;]*m", "", errors[0])
        return "".join(out)

    def stream_until(self, code: str, stop: Callable[[list[str]], bool], timeout: float = 60.0) -> list[str]:
        """Start ``code`` and collect printed lines until ``stop(lines)`` is true (the code keeps
        running in the kernel); returns the lines seen so far."""
        msg_id = self.kc.execute(code, store_history=False)
        self.streaming = msg_id
        self._buf = ""
        lines: list[str] = []
        buf = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.kc.get_iopub_msg(timeout=1)
            except Exception:  # queue.Empty
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                buf += msg["content"]["text"]
                *done, buf = buf.split("\n")
                lines += done
                if stop(lines):
                    self._buf = buf
                    return lines
            elif msg["msg_type"] == "error":
                raise AssertionError(re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(msg["content"]["traceback"])))
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return lines
        raise AssertionError(f"the kernel printed no stop condition within {timeout:.0f} s: {lines[-5:]}")

    def drain(self, quiet: float = 1.0, timeout: float = 30.0) -> list[str]:
        """The lines the streaming code printed after :meth:`stream_until` returned: read every
        message already on its way (e.g. after the kernel was killed) until none has come for
        ``quiet`` seconds. Count acknowledgements only after this, or some are still in the pipe."""
        lines: list[str] = []
        buf = getattr(self, "_buf", "")
        msg_id = getattr(self, "streaming", None)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.kc.get_iopub_msg(timeout=quiet)
            except Exception:  # queue.Empty: nothing more is coming
                break
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                buf += msg["content"]["text"]
                *done, buf = buf.split("\n")
                lines += done
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        self._buf = ""  # a last line without its newline (cut off by the kill) is not counted
        return lines

    def close(self) -> None:
        try:
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001 - the kernel may be gone (that is the point of some tests)
            pass
