"""Python client of pathwaysd: career-pathway answers over ZeroMQ.

    import pathways
    with pathways.Client("tcp://127.0.0.1:5555") as c:
        print(c.health().serving)
        for r in c.readiness(employee_ids=["E1002"], role_keys=["fin-ic-3"]).results:
            print(r.employee_id, r.role_key, r.readiness)

The messages are those of pathways.proto, in pathways.v1.pathways_pb2
(also available as pathways.pb). docs/protocol.md describes the wire
protocol, docs/methods.md what each method answers.
"""
from .client import (  # noqa: F401
    Client, Error, Timeout, CODES, read_certificate, method_names,
)
from .client import (  # noqa: F401
    Cancelled, Unknown, InvalidArgument, DeadlineExceeded, NotFound,
    AlreadyExists, PermissionDenied, ResourceExhausted, FailedPrecondition,
    Aborted, OutOfRange, Unimplemented, Internal, Unavailable, DataLoss,
    Unauthenticated,
)
from .v1 import pathways_pb2 as pb  # noqa: F401

__version__ = "0.1.0"  # the project's version: CMakeLists.txt checks
