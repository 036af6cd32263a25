"""`python -m kqlrules.deploy.emulator`: a bad port or a taken one is a message, not a traceback."""

from __future__ import annotations

import socket

import pytest

from kqlrules.deploy.emulator.__main__ import main


@pytest.mark.parametrize("port", ["notaport", "70000"])
def test_a_port_that_is_not_one_is_a_message(port: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.argv", ["emulator", port])
    with pytest.raises(SystemExit) as raised:
        main()
    # sys.exit(text): the text on stderr, exit status 1.
    assert isinstance(raised.value.code, str)
    assert raised.value.code == f"error: the port must be a number from 0 to 65535, not {port!r}"


def test_a_port_in_use_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.setattr("sys.argv", ["emulator", str(port)])
        with pytest.raises(SystemExit) as raised:
            main()
    assert str(raised.value.code).startswith(f"error: cannot listen on 127.0.0.1:{port}:")
    assert "\n" not in str(raised.value.code)
