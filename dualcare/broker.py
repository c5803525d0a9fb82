"""The demo's in-process broker: kombu's filesystem transport, with each message whole before a
worker can see it.

kombu's filesystem transport creates a message's file in the queue folder, then locks it, then
writes it. A worker that lists the folder in between moves away an empty file and dies on it
(``JSONDecodeError: Expecting value``, seen on ``make run``: the web process and the demo publish
while the worker consumes). The reader takes no lock, so the writer's lock does not help. Here
the message is written under a name the worker ignores and then renamed into place: a rename
within one folder is atomic, so the worker sees no file or the whole message.

Used only with ``filesystem://`` (settings.CELERY_BROKER_TRANSPORT); Redis needs none of this.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as file:
        file.write(data)


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put the message onto `queue`: written whole beside the queue, then renamed into it."""
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot: the worker reads only names of the form "<anything>.<queue>.msg".
        partial = os.path.join(self.data_folder_out, f".{name}.partial")
        try:
            _write(partial, str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel

    @property
    def default_connection_params(self):
        """Folders on this machine, not a host: no default host name for kombu to fall back on.

        kombu's virtual transports default to ``localhost`` and log "No hostname was supplied" at
        WARNING each time a connection is described (twice in every `make run`'s demo load).
        """
        return {}
