"""A small authoritative DNS server on loopback for the tests, speaking DNS over UDP with dnspython's own wire format,
so the real dnspython resolver Onepane uses is exercised against it.

``records`` maps a lower-case name (no trailing dot) to its TXT records, each a string or a tuple of the strings
of one record (a value longer than 255 bytes is published so): a name that is absent is NXDOMAIN, a name with an
empty list exists without TXT records (NOERROR, no answer). ``behaviour`` makes it misbehave the ways a
real server can: ``"answer"`` (normal), ``"silent"`` (never answers), ``"servfail"``, ``"refused"``, ``"garbage"``
(bytes that are not DNS) and ``"truncated"`` (sets TC, and there is no TCP server to retry on).
"""

from __future__ import annotations

import socket
import threading

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class LocalDNSServer:
    def __init__(self) -> None:
        self.records: dict[str, list[str | tuple[str, ...]]] = {}
        self.behaviour = "answer"
        self.queries: list[tuple[str, str]] = []  # (name, type) of each query received
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="local-dns", daemon=True)
        self._thread.start()

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.port}"

    def publish(self, name: str, *values: str | tuple[str, ...]) -> None:
        self.records[name.lower().rstrip(".")] = list(values)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=2)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                data, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = self._reply(data)
            if reply is not None:
                self._sock.sendto(reply, peer)

    def _reply(self, data: bytes) -> bytes | None:
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return None
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        self.queries.append((name, dns.rdatatype.to_text(question.rdtype)))
        if self.behaviour == "silent":
            return None
        if self.behaviour == "garbage":
            return b"\x00not dns at all"
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if self.behaviour == "servfail":
            response.set_rcode(dns.rcode.SERVFAIL)
        elif self.behaviour == "refused":
            response.set_rcode(dns.rcode.REFUSED)
        elif self.behaviour == "truncated":
            response.flags |= dns.flags.TC
        elif name not in self.records:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif question.rdtype == dns.rdatatype.TXT and self.records[name]:
            records = [(v,) if isinstance(v, str) else v for v in self.records[name]]
            texts = [" ".join(_quoted(part) for part in parts) for parts in records]
            response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "TXT", *texts))
        return response.to_wire()


def _quoted(text: str) -> str:
    """One character-string in zone syntax."""
    return '"{}"'.format(text.replace("\\", "\\\\").replace('"', '\\"'))
