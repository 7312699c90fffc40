"""The kit's kernel: ipykernel, with an IOPub channel that keeps every message of a burst.

ipykernel publishes its output and widget messages on a ZeroMQ publisher socket with ZeroMQ's
default send high-water mark of 1,000 messages per subscriber. When the server reading that
channel falls behind, the publisher silently drops what is beyond the mark. A participant's form
is one burst of 1,000 to 3,000 widget messages (each control, its layout and its style), so on a
busy server -- a room opening the link at once, the facilitator's dashboard drawing -- some
``comm_open`` messages were lost: the browser then waited forever for widgets it was never told
about ("widget model not found") and the form, or the whole page, never appeared.

``python -m peerkit.kernel -f CONNECTION_FILE`` starts the same kernel as ``ipykernel_launcher``
with the IOPub high-water mark raised to :data:`IOPUB_HWM` messages (set before the socket is
bound, the only time ZeroMQ takes it). Memory is spent only while the server lags, and the server
reads every kernel's channel continuously. ``peerkit serve`` starts its kernels this way
(:func:`peerkit.room.KitKernelManager`, through :func:`kernel_command`); the notebooks' kernel
spec stays the standard ``python3``, so JupyterLab, nbval and Binder run them unchanged.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

__all__ = ["IOPUB_HWM", "MODULE", "is_kernel_command", "kernel_command", "main"]

#: messages the kernel queues for a subscriber that lags before any is dropped (ZeroMQ's: 1,000)
IOPUB_HWM = 100_000
MODULE = "peerkit.kernel"
_STOCK = "ipykernel_launcher"


def kernel_command(argv: Sequence[str]) -> list[str]:
    """``argv`` (a kernel spec's command) with ipykernel's launcher replaced by the kit's; any
    other kernel's command is returned unchanged."""
    cmd = list(argv)
    for i in range(len(cmd) - 1):
        if cmd[i] == "-m" and cmd[i + 1] == _STOCK:
            cmd[i + 1] = MODULE
            break
    return cmd


def is_kernel_command(argv: Sequence[str]) -> bool:
    """True for the command line of an IPython kernel, started by the kit's launcher or by
    ipykernel's (how the benchmarks and tests find a server's kernels among its processes)."""
    return any(a == "-m" and b in (MODULE, _STOCK) for a, b in zip(argv, argv[1:]))


def main() -> None:
    """Start ipykernel's kernel application with the raised IOPub high-water mark."""
    import zmq
    from ipykernel.kernelapp import IPKernelApp

    class KitKernelApp(IPKernelApp):
        def init_iopub(self, context: zmq.Context) -> None:
            # a context's socket options apply to the sockets it makes next: here, the IOPub one
            context.setsockopt(zmq.SNDHWM, IOPUB_HWM)
            try:
                super().init_iopub(context)
            finally:
                context.sockopts.pop(zmq.SNDHWM, None)

    KitKernelApp.launch_instance()


if __name__ == "__main__":
    # as ipykernel_launcher does: the working folder leaves sys.path while the kernel loads (the
    # kernel puts it back), so a notebook folder's files cannot shadow the kernel's modules
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]
    main()
