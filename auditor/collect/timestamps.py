"""A cheaper timestamp parser for botocore's responses.

botocore parses every timestamp of every response with ``dateutil.parser.parse``, which is general and slow
(tens of microseconds each). IAM's answers are timestamp-heavy: every user, group, role, policy and access key
carries one or more, so a 200-user account's listings hold thousands. AWS sends ISO 8601 (query and XML
protocols) or epoch seconds (JSON protocols); ``datetime.fromisoformat`` reads the first in a fraction of the
time. Anything it does not read (epoch numbers, RFC 822 dates) goes to botocore's own parser, so the values
are the same datetimes botocore would return: tz-aware where the text names a zone.

botocore allows this officially: ``ResponseParserFactory.set_parser_defaults(timestamp_parser=...)``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import boto3
from botocore.utils import parse_timestamp
from dateutil.tz import tzutc

_UTC = tzutc()


def fast_parse_timestamp(value: Any) -> datetime:
    """ISO 8601 through ``fromisoformat``; anything else through botocore's ``parse_timestamp``."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return parse_timestamp(value)
        if parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0):
            return parsed.replace(tzinfo=_UTC)  # botocore's zone object, so values compare and print the same
        return parsed
    return parse_timestamp(value)


def install_fast_timestamp_parser(session: boto3.Session) -> None:
    """Clients created from ``session`` from now on parse timestamps with :func:`fast_parse_timestamp`."""
    factory = session._session.get_component("response_parser_factory")  # botocore's documented hook
    factory.set_parser_defaults(timestamp_parser=fast_parse_timestamp)
