"""Finding strings that cannot be encoded, and refusing them per message without touching the stream."""

from __future__ import annotations

import anyio
import mcp_types as types
import pytest
from mcp.shared.message import SessionMessage

from client.encodable import (
    EncodingCheckedWriteStream,
    UnencodableMessage,
    first_unencodable,
    require_encodable,
)
from client.errors import InvalidArguments


def test_first_unencodable_names_the_path_of_values_and_keys() -> None:
    assert first_unencodable({"a": ["ok", "é", "😀"], "b": {"c": 1}}) is None
    assert first_unencodable({"a": ["ok", "x\ud800"]}) == "$.a[1]"
    assert first_unencodable({"a": {"\udfff": 1}}) == "$.a (an object key)"


def test_require_encodable_refuses_names_and_arguments_as_not_sent() -> None:
    require_encodable("weather__get_weather", {"city": "Zürich"})
    for name, arguments in (("weather__\ud800", {}), ("weather__get_weather", {"city": "\ud800"})):
        with pytest.raises(InvalidArguments) as caught:
            require_encodable(name, arguments)
        assert caught.value.outcome == "not_sent" and caught.value.status == 400


@pytest.mark.anyio
async def test_checked_write_stream_refuses_one_message_and_keeps_sending_others() -> None:
    send, receive = anyio.create_memory_object_stream[SessionMessage](4)
    stream = EncodingCheckedWriteStream(send)
    good = types.JSONRPCRequest(
        jsonrpc="2.0", id=1, method="tools/call", params={"name": "t", "arguments": {}}
    )
    bad = types.JSONRPCRequest(
        jsonrpc="2.0", id=2, method="tools/call", params={"name": "t", "arguments": {"x": "\ud800"}}
    )
    with pytest.raises(UnencodableMessage, match=r"params.arguments.x"):
        await stream.send(SessionMessage(bad))
    await stream.send(SessionMessage(good))
    assert receive.receive_nowait().message == good
    await stream.aclose()
    receive.close()
