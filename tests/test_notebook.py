"""Notebook kernels talk over Unix sockets of their own: two notebook jobs starting at the same
moment cannot pick the same TCP port ("Address already in use" killed a kernel in a test build)."""

from briefing import notebook


def test_each_kernel_gets_its_own_sockets():
    manager = notebook._socket_kernel_manager()
    a, b = manager(kernel_name="python3"), manager(kernel_name="python3")
    assert a.transport == b.transport == "ipc"
    assert a.connection_file != b.connection_file
    assert a.ip != b.ip and a.ip.startswith(a.connection_file.removesuffix(".json"))
    assert len(f"{a.ip}-99999") < 100  # a socket path's limit is about 104 characters


def test_a_killed_kernel_is_polled_for_often():
    # The override shortens jupyter_client's wait only while jupyter_client waits through it.
    from jupyter_client.manager import KernelManager

    assert "_async_wait" in vars(KernelManager) and "_async_wait" in vars(notebook._socket_kernel_manager())
