"""`python -m kqlrules.deploy.emulator`: a bad port or a taken one is a message, not a traceback."""

from __future__ import annotations

import socket

import pytest

from kqlrules.deploy.emulator.__main__ import main


@pytest.mark.parametrize("port", ["notaport", "70000"])
def test_a_port_that_is_not_one_is_a_usage_error(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main([port])
    assert raised.value.code == 2
    assert "is not a port number" in capsys.readouterr().err


def test_a_port_in_use_is_one_line_with_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main([str(port)]) == 1
    err = capsys.readouterr().err
    assert f"error: cannot listen on 127.0.0.1:{port}:" in err
    assert "Traceback" not in err
