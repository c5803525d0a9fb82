"""The demo's filesystem broker never shows a worker half a message (dualcare/broker.py).

kombu's own filesystem transport creates the message file, locks it, then writes it; a worker
listing the queue in between takes an empty file and dies (JSONDecodeError, seen on `make run`).
Each test runs a worker's read at exactly that moment of a publish."""

import json
from queue import Empty

import pytest
from kombu import Connection
from kombu.transport import filesystem as kombu_filesystem

from dualcare import broker


def channel(tmp_path, transport):
    folder = str(tmp_path)
    connection = Connection(
        "filesystem://",
        transport=transport,
        transport_options={"data_folder_in": folder, "data_folder_out": folder, "store_processed": False},
    )
    return connection, connection.default_channel


def test_kombus_own_transport_shows_a_worker_an_empty_message_mid_publish(tmp_path, monkeypatch):
    """The control: why dualcare.broker exists."""
    connection, writer = channel(tmp_path, "filesystem")
    _, reader = channel(tmp_path, "filesystem")
    seen = []

    def read_while_writing(file, flags):  # kombu locks the new, still empty, file here
        try:
            seen.append(reader._get("celery"))
        except Exception as error:  # noqa: BLE001 - what the worker meets
            seen.append(error)

    monkeypatch.setattr(kombu_filesystem, "lock", read_while_writing)
    monkeypatch.setattr(kombu_filesystem, "unlock", lambda file: None)
    writer._put("celery", {"body": "x"})
    connection.release()
    assert len(seen) == 1 and isinstance(seen[0], json.JSONDecodeError)


def test_ours_shows_a_worker_nothing_mid_publish_then_the_whole_message(tmp_path, monkeypatch):
    connection, writer = channel(tmp_path, "dualcare.broker:Transport")
    _, reader = channel(tmp_path, "dualcare.broker:Transport")
    seen = []
    write = broker._write

    def read_while_writing(path, data):
        write(path, data)
        try:
            seen.append(reader._get("celery"))
        except Empty:
            seen.append("nothing yet")

    monkeypatch.setattr(broker, "_write", read_while_writing)
    writer._put("celery", {"body": "x"})
    assert seen == ["nothing yet"]
    assert reader._get("celery") == {"body": "x"}
    with pytest.raises(Empty):
        reader._get("celery")
    connection.release()


def test_the_settings_use_it_for_the_filesystem_broker():
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        assert settings.CELERY_BROKER_TRANSPORT == "dualcare.broker:Transport"
    else:
        assert not getattr(settings, "CELERY_BROKER_TRANSPORT", None)


def test_describing_its_connection_logs_no_warning(tmp_path, caplog):
    """kombu's own filesystem transport logs "No hostname was supplied" whenever a connection is
    described (each publish from the demo load did, twice per `make run`)."""
    ours, _ = channel(tmp_path, "dualcare.broker:Transport")
    theirs, _ = channel(tmp_path, kombu_filesystem.Transport)
    with caplog.at_level("WARNING", logger="kombu.connection"):
        ours.info()
    assert not caplog.records
    with caplog.at_level("WARNING", logger="kombu.connection"):
        theirs.info()
    assert "No hostname was supplied" in caplog.text
    ours.release()
    theirs.release()
