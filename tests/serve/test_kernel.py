"""The kit's kernel launcher (``python -m peerkit.kernel``): the same ipykernel, whose IOPub
channel keeps every message of a burst that the server reads late."""

from __future__ import annotations

import queue
import sys

import pytest
from jupyter_client.manager import KernelManager

from peerkit.kernel import IOPUB_HWM, is_kernel_command, kernel_command

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="IPC transport (as peerkit serve)")

BURST = 5_000  # messages: several times ZeroMQ's default mark, well under the kit's


def test_only_ipykernels_launcher_is_replaced():
    stock = ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert kernel_command(stock) == ["/usr/bin/python3", "-m", "peerkit.kernel", "-f", "{connection_file}"]
    assert stock[2] == "ipykernel_launcher"  # the kernel spec's list is not changed in place
    other = ["R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"]
    assert kernel_command(other) == other
    assert kernel_command(["python", "-m"]) == ["python", "-m"]
    assert IOPUB_HWM >= 10 * BURST


class _Launcher(KernelManager):
    """jupyter_client's manager with the kit's launcher (as peerkit.room's KitKernelManager)."""

    def format_kernel_cmd(self, extra_arguments=None):
        return kernel_command(super().format_kernel_cmd(extra_arguments))


def _received_of_a_burst(manager: KernelManager) -> tuple[int, bool]:
    """Start the kernel, have it publish BURST display messages while nobody reads IOPub (a
    server busy elsewhere), then read IOPub: how many of them arrived, and whether the end of
    the execution ("idle") did (a lost one leaves Voila's executor waiting out its timeout)."""
    manager.start_kernel()
    kc = manager.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        while True:  # drain what the start published
            try:
                kc.get_iopub_msg(timeout=0.5)
            except queue.Empty:
                break
        code = ("from IPython.display import display\n"
                f"for i in range({BURST}):\n"
                "    display({'text/plain': str(i)}, raw=True)\n")
        msg_id = kc.execute(code)
        reply = kc.get_shell_msg(timeout=120)  # the burst is sent (or dropped) by now
        assert reply["parent_header"]["msg_id"] == msg_id and reply["content"]["status"] == "ok"
        seen = 0
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=5)
            except queue.Empty:  # everything that was kept has long arrived
                return seen, False
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "display_data":
                seen += 1
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return seen, True
    finally:
        kc.stop_channels()
        manager.shutdown_kernel(now=True)


def test_a_burst_read_late_arrives_whole(tmp_path):
    (tmp_path / "kit").mkdir()
    kit = _Launcher(transport="ipc", connection_file=str(tmp_path / "kit" / "kernel.json"))
    assert _received_of_a_burst(kit) == (BURST, True)


def test_stock_ipykernel_drops_that_burst(tmp_path):
    """Why the kit has a launcher: the same burst through ipykernel's own loses messages."""
    (tmp_path / "stock").mkdir()
    stock = KernelManager(transport="ipc", connection_file=str(tmp_path / "stock" / "kernel.json"))
    assert stock.format_kernel_cmd()[1:3] == ["-m", "ipykernel_launcher"]
    received, _idle = _received_of_a_burst(stock)
    assert received < BURST


def test_kernels_are_recognised_by_either_launcher():
    assert is_kernel_command(["/v/bin/python", "-m", "peerkit.kernel", "-f", "/tmp/kernel-1.json"])
    assert is_kernel_command(["/v/bin/python", "-m", "ipykernel_launcher", "-f", "/tmp/kernel-1.json"])
    assert not is_kernel_command(["/v/bin/python", "-m", "peerkit.room", "notebooks"])
    assert not is_kernel_command(["/v/bin/python", "-m"])
