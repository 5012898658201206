"""Tests of notifications and the email outbox, and the real mail peers they send to."""

import socketserver
import threading
from email import message_from_bytes
from email.message import Message


class SMTPPeer:
    """A small SMTP server on 127.0.0.1: a real protocol peer for Django's SMTP backend.

    It refuses every recipient with ``550`` while ``accept`` is false (a mailbox the server will not take),
    and once ``accept`` is set it takes the messages and keeps them, parsed, in ``received``.
    """

    def __init__(self, *, accept: bool = False):
        self.accept = accept
        self.received: list[Message] = []
        self.refused = 0
        peer = self

        class Session(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 mail.test ESMTP")
                while line := self.rfile.readline():
                    verb = line[:4].upper()
                    if verb in (b"EHLO", b"HELO"):
                        self.reply("250 mail.test")
                    elif verb == b"RCPT":
                        if peer.accept:
                            self.reply("250 2.1.5 OK")
                        else:
                            peer.refused += 1
                            self.reply("550 5.1.1 Mailbox unavailable")
                    elif verb == b"DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        lines = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                            lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        peer.received.append(message_from_bytes(b"".join(lines)))
                        self.reply("250 2.0.0 Queued")
                    elif verb == b"QUIT":
                        self.reply("221 2.0.0 Bye")
                        return
                    else:  # MAIL, RSET, NOOP
                        self.reply("250 2.0.0 OK")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Session)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def settings(self) -> dict:
        """The Django settings that send through this peer."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 5,
        }


def use_smtp_peer(settings, peer: SMTPPeer) -> None:
    for name, value in peer.settings().items():
        setattr(settings, name, value)


def body_of(message: Message, subtype: str = "plain") -> str:
    """The text (``plain``) or HTML (``html``) part of a parsed email."""
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text/{subtype} part")
