"""The pathwaysd client: one ZeroMQ DEALER socket connected to every
endpoint, requests matched to replies by request_id, errors raised as
exceptions carrying the gRPC status code. The same rules as libpathways
(client/libpathways.h); docs/protocol.md has the wire format."""
import itertools
import os
import re
import time

import zmq

from .v1 import pathways_pb2 as pb

METHOD_PREFIX = "/pathways.v1.Pathways/"

# Writes are never sent twice by the client: the caller decides.
WRITES = frozenset(("RecordAssessments", "RecordCompletions", "EraseEmployee"))

# ResponseHeader.code: the gRPC status numbers.
CODES = {
    0: "OK", 1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT",
    4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND", 6: "ALREADY_EXISTS",
    7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION",
    10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED", 13: "INTERNAL",
    14: "UNAVAILABLE", 15: "DATA_LOSS", 16: "UNAUTHENTICATED",
}


class Error(Exception):
    """A reply whose code is not OK. code is the gRPC status number,
    code_name its name ("NOT_FOUND"), message the daemon's text."""

    def __init__(self, code, message, method=None, snapshot_version=0):
        self.code = code
        self.code_name = CODES.get(code, str(code))
        self.message = message
        self.method = method
        self.snapshot_version = snapshot_version
        super().__init__("%s: %s%s" % (self.code_name, message,
                                       " (%s)" % method if method else ""))


def _error_class(code, name):
    cls_name = "".join(w.capitalize() for w in name.split("_"))
    return type(cls_name, (Error,), {"__doc__": "Status %d, %s." % (code, name)})


_BY_CODE = {c: _error_class(c, n) for c, n in CODES.items() if c != 0}
(Cancelled, Unknown, InvalidArgument, DeadlineExceeded, NotFound, AlreadyExists,
 PermissionDenied, ResourceExhausted, FailedPrecondition, Aborted, OutOfRange,
 Unimplemented, Internal, Unavailable, DataLoss, Unauthenticated) = (
    _BY_CODE[c] for c in range(1, 17))


class Timeout(DeadlineExceeded, TimeoutError):
    """No reply came in time (raised by the client, code DEADLINE_EXCEEDED).
    The client stays usable: a late reply is dropped."""


def _raise_for(header, method):
    cls = _BY_CODE.get(header.code, Error)
    raise cls(header.code, header.message, method, header.snapshot_version)


def read_certificate(path):
    """(public, secret) Z85 keys of a ZeroMQ certificate as `pathwaysctl
    keygen NAME` writes them: NAME.key holds both, NAME.pub only the public
    key (secret is then None)."""
    keys = {}
    with open(path) as f:
        for line in f:
            m = re.match(r'\s*(public|secret)-key\s*=\s*"([^"]{40})"\s*$', line)
            if m:
                keys[m.group(1)] = m.group(2)
    if "public" not in keys:
        raise ValueError("%s: no public-key in this certificate" % path)
    return keys["public"], keys.get("secret")


def _z85(key, what):
    """A Z85 key given as itself (40 characters) or as a certificate path."""
    if isinstance(key, bytes):
        key = key.decode()
    if len(key) == 40 and not os.path.isfile(key):
        return key
    return read_certificate(key)[0 if what == "public" else 1]


def method_names():
    """The service's methods, as declared in pathways.proto."""
    return [m.name for m in pb.DESCRIPTOR.services_by_name["Pathways"].methods]


def _snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Client:
    """A client of one or several pathwaysd daemons.

    Client(endpoints, server_key=None, client_key=None, timeout=10.0,
           metadata=None)

    endpoints: one ZeroMQ endpoint ("tcp://host:5555") or a list; ZeroMQ
    spreads requests over the daemons that are connected. With several, a
    read that gets no reply within half of its timeout is sent once more
    (to another daemon) within the time left; writes are never resent.

    server_key: the daemon's public key (40 characters of Z85, or the path
    of its NAME.pub certificate) turns CURVE on. client_key is then this
    client's certificate: the path of a NAME.key from `pathwaysctl keygen`,
    or a (public, secret) pair of Z85 keys; None uses an ephemeral pair.

    timeout: seconds to wait for a reply (None: no limit); also sent as the
    request's deadline. metadata: a dict sent with every request (a call's
    own metadata= is merged over it; a value of None there removes a key).

    Every method of the service is a method here, in snake case, taking the
    request's fields as keyword arguments (or a ready request message as
    the first argument) and returning the response message:

        c.readiness(employee_ids=["E1002"], role_keys=["fin-ic-3"])
        c.record_assessments(assessments=[...], metadata={"trace": "t1"})

    A reply that is not OK raises Error (a subclass per code: NotFound,
    InvalidArgument, ...); no reply in time raises Timeout. After each
    reply, snapshot_version holds the version of the data that answered.

    Not thread-safe (neither is a ZeroMQ socket): one client per thread.
    """

    def __init__(self, endpoints, server_key=None, client_key=None,
                 timeout=10.0, metadata=None):
        if isinstance(endpoints, str):
            endpoints = [endpoints]
        self.endpoints = list(endpoints)
        if not self.endpoints:
            raise ValueError("no endpoint")
        self.timeout = timeout
        self.metadata = dict(metadata or {})
        self.snapshot_version = 0
        self._ids = itertools.count(1)
        self._sock = zmq.Context.instance().socket(zmq.DEALER)
        try:
            self._sock.setsockopt(zmq.LINGER, 0)
            # round robin over live connections only: a daemon that is
            # down does not swallow requests
            self._sock.setsockopt(zmq.IMMEDIATE, 1)
            if server_key is not None:
                self._set_curve(server_key, client_key)
            elif client_key is not None:
                raise ValueError("client_key needs server_key")
            for e in self.endpoints:
                self._sock.connect(e)
        except BaseException:
            self._sock.close(0)
            raise

    def _set_curve(self, server_key, client_key):
        if not zmq.has("curve"):
            raise RuntimeError("this libzmq has no CURVE support")
        if client_key is None:
            public, secret = zmq.curve_keypair()
        elif isinstance(client_key, (tuple, list)):
            public, secret = client_key
        else:
            public, secret = read_certificate(client_key)
            if secret is None:
                raise ValueError("%s: no secret-key (give the .key certificate, "
                                 "not the .pub)" % client_key)
        self._sock.curve_serverkey = _z85(server_key, "public").encode()
        self._sock.curve_publickey = public.encode() if isinstance(public, str) else public
        self._sock.curve_secretkey = secret.encode() if isinstance(secret, str) else secret

    def close(self):
        """Close the socket; pending requests are dropped."""
        self._sock.close(0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def call(self, method, request=None, timeout=None, metadata=None):
        """Call method (a short name, "Readiness", or the full path) with a
        request message (None: an empty one); returns the response message.
        timeout in seconds overrides the client's for this call."""
        name = method.rsplit("/", 1)[-1]
        desc = pb.DESCRIPTOR.services_by_name["Pathways"].methods_by_name.get(name)
        if desc is None:
            raise ValueError("pathways.v1.Pathways has no method %r" % method)
        if request is None:
            request = getattr(pb, desc.input_type.name)()
        elif request.DESCRIPTOR is not desc.input_type:
            raise TypeError("%s takes a %s, not a %s" % (
                name, desc.input_type.name, request.DESCRIPTOR.name))
        meta = dict(self.metadata)
        for k, v in (metadata or {}).items():
            if v is None:
                meta.pop(k, None)
            else:
                meta[k] = v
        body = request.SerializeToString()
        response_type = getattr(pb, desc.output_type.name)
        timeout = self.timeout if timeout is None else timeout
        ms = 0 if timeout is None else max(1, int(timeout * 1000))
        if len(self.endpoints) < 2 or ms < 2 or name in WRITES:
            return self._call_once(name, body, meta, response_type, ms)
        # Several daemons: a read with no answer in half the time goes
        # again, and ZeroMQ's round robin hands it to another daemon.
        start = time.monotonic()
        try:
            return self._call_once(name, body, meta, response_type, ms // 2)
        except Timeout:
            left = ms - int((time.monotonic() - start) * 1000)
            if left <= 0:
                raise
        return self._call_once(name, body, meta, response_type, left)

    def _call_once(self, name, body, meta, response_type, ms):
        rid = next(self._ids)
        header = pb.RequestHeader(method=METHOD_PREFIX + name, request_id=rid,
                                  deadline_ms=ms, metadata=meta)
        deadline = time.monotonic() + ms / 1000.0 if ms else None
        # no daemon connected yet, or its queue full: wait, within the time
        if not self._sock.poll(self._left(deadline), zmq.POLLOUT):
            raise Timeout(4, "no daemon took the request within %d ms" % ms, name)
        self._sock.send_multipart([header.SerializeToString(), body], zmq.NOBLOCK)
        while True:
            if not self._sock.poll(self._left(deadline), zmq.POLLIN):
                raise Timeout(4, "no reply within %d ms" % ms, name)
            frames = self._sock.recv_multipart()
            if len(frames) != 2:
                continue  # not a reply of the protocol
            rh = pb.ResponseHeader.FromString(frames[0])
            # 0: the daemon could not read our header, which answers us too
            if rh.request_id not in (rid, 0):
                continue  # a late reply to a request given up on
            self.snapshot_version = rh.snapshot_version
            if rh.code != 0:
                _raise_for(rh, name)
            return response_type.FromString(frames[1])

    @staticmethod
    def _left(deadline):
        """Milliseconds to the deadline for poll() (None: wait forever)."""
        if deadline is None:
            return None
        return max(0, int((deadline - time.monotonic()) * 1000))


def _bind(name, desc):
    def method(self, request=None, *, timeout=None, metadata=None, **fields):
        if request is None:
            request = getattr(pb, desc.input_type.name)(**fields)
        elif fields:
            raise TypeError("give a request message or its fields, not both")
        return self.call(name, request, timeout=timeout, metadata=metadata)
    method.__name__ = _snake(name)
    method.__qualname__ = "Client." + method.__name__
    method.__doc__ = ("%s(**fields of %s) -> %s%s" % (
        name, desc.input_type.name, desc.output_type.name,
        " (a write: never resent)" if name in WRITES else ""))
    return method


for _m in pb.DESCRIPTOR.services_by_name["Pathways"].methods:
    setattr(Client, _snake(_m.name), _bind(_m.name, _m))
del _m
