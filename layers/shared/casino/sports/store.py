"""SportsTable: owns every key, index key and condition of the sports data (its own table).

Keys (pk / sk):
- ``FEED#<code>`` / ``FEED``                   a feed: its settings, status, signals, pull cursor and
  pull lease; GSI1 ``FEEDS`` / code. Its secret is in SSM, never here
- ``FEED#<code>`` / ``STATUS#<at>#<ulid>``     a transition of its status (up / down and why)
- ``FEED#<code>`` / ``NONCE#<nonce>``          a pushed request's nonce, until it leaves the window
- ``REF#<feed>#<ref_id>`` / ``REF``            a feed's fixture: its facts as the feed gave them, the
  canonical fixture it belongs to (and whether home and away are swapped there), the points
  applied so far and the score after them; GSI1 ``OPEN#<feed>`` / ref_id while its points are
  still pulled
- ``REF#<feed>#<ref_id>`` / ``POINT#<seq>``    a point as the feed sent it, and the score after it
- ``FIXTURE#<id>`` / ``FIXTURE``               a canonical fixture; GSI1 ``FIXTURES#<sport>`` /
  ``<start>#<id>`` and GSI2 ``FIXTURES`` / ``<start>#<id>`` while it is not replaced; GSI3
  ``LIVE`` / id while it is live or suspended
- ``FIXTURE#<id>`` / ``HISTORY#<at>#<ulid>``   a decision about it (created, linked, candidate,
  unlinked, corrected, flagged, suspended...), with its reasons and by whom
- ``CANDIDATE#<id>#<id>`` / ``CANDIDATE``      a possible duplicate (the two ids in order); GSI3
  ``CANDIDATES`` / ``<at>#<ids>`` while open
- ``COMPETITOR#<id>`` / ``COMPETITOR``         a competitor, its name and aliases
- ``NAME#<sport>#<normalised>`` / ``NAME``      the competitor a normalised name belongs to
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from casino import aws
from casino.settings import settings

SEQ_DIGITS = 6
START_DIGITS = 13
POINTS_PAGE = 200
TTL_GRACE_S = 60
LIVE_STATUSES = ("live", "suspended")

_SORT_KEY = re.compile(r"[0-9]{13}#fix_[0-9A-Z]{26}")
_HISTORY_KEY = re.compile(r"HISTORY#[0-9]{13}#[0-9A-Z]{26}")
_CANDIDATE_KEY = re.compile(r"[0-9]{13}#fix_[0-9A-Z]{26}#fix_[0-9A-Z]{26}")


def _table() -> str:
    return settings().sports_table


def _client() -> Any:
    return aws.dynamodb()


def _get(pk: str, sk: str) -> dict[str, Any] | None:
    answer = _client().get_item(TableName=_table(), Key=aws.to_item({"pk": pk, "sk": sk}), ConsistentRead=True)
    item = answer.get("Item")
    return aws.from_item(item) if item else None


def _put_new(item: dict[str, Any]) -> bool:
    client = _client()
    try:
        client.put_item(TableName=_table(), Item=aws.to_item(item), ConditionExpression="attribute_not_exists(pk)")
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """An item without its keys (what the domain reads)."""
    return {k: v for k, v in item.items() if k not in ("pk", "sk") and not k.startswith("gsi") and k != "ttl"}


def _set(
    pk: str,
    sk: str,
    fields: Mapping[str, Any],
    *,
    remove: Iterable[str] = (),
    condition: str | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """SET ``fields`` (and REMOVE ``remove``) on an item that exists; None when the condition failed."""
    names = {f"#f{i}": name for i, name in enumerate(fields)}
    removed = {f"#r{i}": name for i, name in enumerate(remove)}
    parts = [f"SET {', '.join(f'#f{i} = :f{i}' for i in range(len(fields)))}"] if fields else []
    if removed:
        parts.append(f"REMOVE {', '.join(removed)}")
    attribute_values = {f":f{i}": value for i, value in enumerate(fields.values())}
    attribute_values.update(values or {})
    client = _client()
    kwargs: dict[str, Any] = {
        "TableName": _table(),
        "Key": aws.to_item({"pk": pk, "sk": sk}),
        "UpdateExpression": " ".join(parts),
        "ConditionExpression": "attribute_exists(pk)" + (f" AND ({condition})" if condition else ""),
        "ExpressionAttributeNames": {**names, **removed},
        "ReturnValues": "ALL_NEW",
    }
    serialised = {k: v for k, v in aws.to_item(attribute_values).items()}
    for key, value in attribute_values.items():  # None is a value here (a cleared field), not "absent"
        if value is None:
            serialised[key] = {"NULL": True}
    if serialised:
        kwargs["ExpressionAttributeValues"] = serialised
    try:
        answer = client.update_item(**kwargs)
    except client.exceptions.ConditionalCheckFailedException:
        return None
    return _plain(aws.from_item(answer["Attributes"]))


def _query(**query: Any) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    answer = _client().query(TableName=_table(), **query)
    last = answer.get("LastEvaluatedKey")
    return [aws.from_item(i) for i in answer.get("Items", [])], (aws.from_item(last) if last else None)


# ---------------------------------------------------------------- feeds
def _feed_key(code: str) -> tuple[str, str]:
    return f"FEED#{code}", "FEED"


def add_feed(record: dict[str, Any]) -> bool:
    """A new feed; False (nothing written) when its code is taken."""
    pk, sk = _feed_key(record["code"])
    return _put_new({**record, "pk": pk, "sk": sk, "gsi1pk": "FEEDS", "gsi1sk": record["code"]})


def feed(code: str) -> dict[str, Any] | None:
    item = _get(*_feed_key(code))
    return _plain(item) if item else None


def feeds() -> list[dict[str, Any]]:
    """Every feed (GSI1 ``FEEDS``: a handful of items, one partition)."""
    items = aws.query_all(
        TableName=_table(),
        IndexName="GSI1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues=aws.to_item({":pk": "FEEDS"}),
    )
    return [_plain(i) for i in items]


def update_feed(code: str, fields: Mapping[str, Any]) -> dict[str, Any] | None:
    return _set(*_feed_key(code), fields)


def take_pull_lease(code: str, now_ms: int, until_ms: int) -> dict[str, Any] | None:
    """The feed, leased for one pull until ``until_ms``; None while another pull holds it (one
    pull per feed at a time, whichever schedule or instance runs it)."""
    return _set(
        *_feed_key(code),
        {"pulling_until": until_ms},
        condition="attribute_not_exists(pulling_until) OR pulling_until < :now",
        values={":now": now_ms},
    )


def end_pull(code: str, lease_until_ms: int, fields: Mapping[str, Any]) -> bool:
    """Record a pull's outcome and give its lease back (only the lease this pull took)."""
    done = _set(
        *_feed_key(code),
        fields,
        remove=("pulling_until",),
        condition="pulling_until = :lease",
        values={":lease": lease_until_ms},
    )
    return done is not None


def set_feed_status(
    code: str, status: dict[str, Any], before: dict[str, Any] | None, transition: dict[str, Any], ulid: str
) -> bool:
    """The feed's new status and its transition record, in one transaction, only if the status
    is still ``before`` (two assessments at once record one transition)."""
    pk, sk = _feed_key(code)
    condition = "attribute_not_exists(#st)" if before is None else "#st = :before"
    values: dict[str, Any] = {":status": status}
    if before is not None:
        values[":before"] = before
    client = _client()
    try:
        client.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": _table(),
                        "Key": aws.to_item({"pk": pk, "sk": sk}),
                        "UpdateExpression": "SET #st = :status",
                        "ConditionExpression": condition,
                        "ExpressionAttributeNames": {"#st": "status"},
                        "ExpressionAttributeValues": aws.to_item(values),
                    }
                },
                {
                    "Put": {
                        "TableName": _table(),
                        "Item": aws.to_item(
                            {**transition, "pk": pk, "sk": f"STATUS#{transition['at']:0{START_DIGITS}d}#{ulid}"}
                        ),
                    }
                },
            ]
        )
    except client.exceptions.TransactionCanceledException:
        return False
    return True


def transitions(code: str, limit: int = 50) -> list[dict[str, Any]]:
    """The feed's latest status transitions, newest first."""
    pk, _ = _feed_key(code)
    items, _ = _query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues=aws.to_item({":pk": pk, ":prefix": "STATUS#"}),
        ScanIndexForward=False,
        Limit=limit,
    )
    return [_plain(i) for i in items]


def record_nonce(code: str, nonce: str, remember_until_ms: int) -> bool:
    """Remember a pushed request's nonce; False if it was seen before (a replay)."""
    return _put_new({"pk": f"FEED#{code}", "sk": f"NONCE#{nonce}", "ttl": remember_until_ms // 1000 + TTL_GRACE_S})


# ---------------------------------------------------------------- a feed's fixtures and their points
def _ref_key(feed_code: str, ref_id: str) -> tuple[str, str]:
    return f"REF#{feed_code}#{ref_id}", "REF"


def ref(feed_code: str, ref_id: str) -> dict[str, Any] | None:
    item = _get(*_ref_key(feed_code, ref_id))
    return _plain(item) if item else None


def _ref_index(record: Mapping[str, Any]) -> dict[str, Any]:
    if record.get("open"):
        return {"gsi1pk": f"OPEN#{record['feed']}", "gsi1sk": record["ref_id"]}
    return {}


def add_ref(record: dict[str, Any]) -> bool:
    """A feed's fixture seen for the first time; False when it is known already."""
    pk, sk = _ref_key(record["feed"], record["ref_id"])
    return _put_new({**record, "pk": pk, "sk": sk, **_ref_index(record)})


def update_ref(record: dict[str, Any], version: int) -> bool:
    """The feed fixture's new state, only if nobody wrote it since ``version`` (then reload and
    redo: every change is derived again from what is stored)."""
    pk, sk = _ref_key(record["feed"], record["ref_id"])
    item = {**record, "pk": pk, "sk": sk, "version": version + 1, **_ref_index(record)}
    client = _client()
    try:
        client.put_item(
            TableName=_table(),
            Item=aws.to_item(item),
            ConditionExpression="version = :v",
            ExpressionAttributeValues=aws.to_item({":v": version}),
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def open_refs(feed_code: str) -> list[dict[str, Any]]:
    """The feed's fixtures whose points are still pulled (GSI1 ``OPEN#<feed>``, sparse)."""
    items = aws.query_all(
        TableName=_table(),
        IndexName="GSI1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues=aws.to_item({":pk": f"OPEN#{feed_code}"}),
    )
    return [_plain(i) for i in items]


def _point_sk(seq: int) -> str:
    return f"POINT#{seq:0{SEQ_DIGITS}d}"


def points(feed_code: str, ref_id: str, *, from_seq: int = 1, limit: int | None = None) -> list[dict[str, Any]]:
    """The points held of a feed's fixture from ``from_seq`` on, in seq order (all of them, or
    the first ``limit``)."""
    pk, _ = _ref_key(feed_code, ref_id)
    query: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :to",
        "ExpressionAttributeValues": aws.to_item({":pk": pk, ":from": _point_sk(max(from_seq, 0)), ":to": "POINT#~"}),
        "ConsistentRead": True,
    }
    if limit is not None:
        items, _ = _query(**{k: v for k, v in query.items() if k != "TableName"}, Limit=limit)
        return [_plain(i) for i in items]
    return [_plain(i) for i in aws.query_all(**query)]


def put_points(feed_code: str, ref_id: str, records: Iterable[dict[str, Any]]) -> None:
    """Store points (new ones, or their new scores after a correction), 25 to a request."""
    pk, _ = _ref_key(feed_code, ref_id)
    requests = [{"PutRequest": {"Item": aws.to_item({**r, "pk": pk, "sk": _point_sk(r["seq"])})}} for r in records]
    client = _client()
    for start in range(0, len(requests), 25):
        pending: dict[str, Any] = {_table(): requests[start : start + 25]}
        for _ in range(8):
            answer = client.batch_write_item(RequestItems=pending)
            pending = dict(answer.get("UnprocessedItems") or {})
            if not pending:
                break
        if pending:
            raise RuntimeError("BatchWriteItem left points unwritten")


# ---------------------------------------------------------------- canonical fixtures
def _fixture_key(fixture_id: str) -> tuple[str, str]:
    return f"FIXTURE#{fixture_id}", "FIXTURE"


def _sort_key(record: Mapping[str, Any]) -> str:
    return f"{record['start_time']:0{START_DIGITS}d}#{record['id']}"


def _fixture_index(record: Mapping[str, Any]) -> dict[str, Any]:
    index: dict[str, Any] = {}
    if not record.get("replaced_by"):
        index.update(
            gsi1pk=f"FIXTURES#{record['sport']}", gsi1sk=_sort_key(record), gsi2pk="FIXTURES", gsi2sk=_sort_key(record)
        )
    if record.get("status") in LIVE_STATUSES and not record.get("replaced_by"):
        index.update(gsi3pk="LIVE", gsi3sk=record["id"])
    return index


def fixture(fixture_id: str) -> dict[str, Any] | None:
    item = _get(*_fixture_key(fixture_id))
    return _plain(item) if item else None


def put_fixture(record: dict[str, Any], *, version: int | None) -> bool:
    """Write a fixture whole: a new one (``version`` None: refused if the id is taken) or the next
    version of one (refused if it changed since). Its indexes follow its state."""
    pk, sk = _fixture_key(record["id"])
    item = {**record, "pk": pk, "sk": sk, "version": 1 if version is None else version + 1, **_fixture_index(record)}
    client = _client()
    condition: dict[str, Any] = (
        {"ConditionExpression": "attribute_not_exists(pk)"}
        if version is None
        else {"ConditionExpression": "version = :v", "ExpressionAttributeValues": aws.to_item({":v": version})}
    )
    try:
        client.put_item(TableName=_table(), Item=aws.to_item(item), **condition)
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def fixtures_starting(sport: str, from_ms: int, to_ms: int) -> list[dict[str, Any]]:
    """The sport's canonical fixtures (not replaced) starting in [from, to] (GSI1, by start)."""
    items = aws.query_all(
        TableName=_table(),
        IndexName="GSI1",
        KeyConditionExpression="gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to",
        ExpressionAttributeValues=aws.to_item(
            {
                ":pk": f"FIXTURES#{sport}",
                ":from": f"{max(from_ms, 0):0{START_DIGITS}d}#",
                ":to": f"{to_ms:0{START_DIGITS}d}#~",
            }
        ),
    )
    return [_plain(i) for i in items]


def valid_fixture_cursor(cursor: str) -> bool:
    return bool(_SORT_KEY.fullmatch(cursor))


def fixtures_page(
    *, sport: str | None, from_ms: int, to_ms: int, status: str | None, after: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of canonical fixtures by start time (GSI1 for one sport, GSI2 for all; a status is
    a filter on that range, so a page may hold fewer than ``limit``); the cursor is the last sort
    key read."""
    index, pk_name, sk_name = ("GSI1", "gsi1pk", "gsi1sk") if sport else ("GSI2", "gsi2pk", "gsi2sk")
    pk_value = f"FIXTURES#{sport}" if sport else "FIXTURES"
    query: dict[str, Any] = {
        "IndexName": index,
        "KeyConditionExpression": f"{pk_name} = :pk AND {sk_name} BETWEEN :from AND :to",
        "ExpressionAttributeValues": {
            ":pk": pk_value,
            ":from": f"{max(from_ms, 0):0{START_DIGITS}d}#",
            ":to": f"{to_ms:0{START_DIGITS}d}#~",
        },
        "Limit": limit,
    }
    if status:
        query["FilterExpression"] = "#st = :status"
        query["ExpressionAttributeNames"] = {"#st": "status"}
        query["ExpressionAttributeValues"][":status"] = status
    query["ExpressionAttributeValues"] = aws.to_item(query["ExpressionAttributeValues"])
    if after:
        fixture_id = after.split("#", 1)[1]
        pk, sk = _fixture_key(fixture_id)
        query["ExclusiveStartKey"] = aws.to_item({pk_name: pk_value, sk_name: after, "pk": pk, "sk": sk})
    items, last = _query(**query)
    return [_plain(i) for i in items], (str(last[sk_name]) if last else None)


def live_fixtures() -> list[dict[str, Any]]:
    """Every live or suspended fixture (GSI3 ``LIVE``, sparse: only those)."""
    items = aws.query_all(
        TableName=_table(),
        IndexName="GSI3",
        KeyConditionExpression="gsi3pk = :pk",
        ExpressionAttributeValues=aws.to_item({":pk": "LIVE"}),
    )
    return [_plain(i) for i in items]


# ---------------------------------------------------------------- decisions
def add_history(fixture_id: str, record: dict[str, Any], ulid: str) -> None:
    pk, _ = _fixture_key(fixture_id)
    _client().put_item(
        TableName=_table(),
        Item=aws.to_item({**record, "pk": pk, "sk": f"HISTORY#{record['at']:0{START_DIGITS}d}#{ulid}"}),
    )


def valid_history_cursor(cursor: str) -> bool:
    return bool(_HISTORY_KEY.fullmatch(cursor))


def history_page(fixture_id: str, *, after: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """A fixture's decisions, oldest first; the cursor is the last sort key read."""
    pk, _ = _fixture_key(fixture_id)
    query: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": aws.to_item({":pk": pk, ":prefix": "HISTORY#"}),
        "Limit": limit,
        "ConsistentRead": True,
    }
    if after:
        query["ExclusiveStartKey"] = aws.to_item({"pk": pk, "sk": after})
    items, last = _query(**query)
    return [_plain(i) for i in items], (str(last["sk"]) if last else None)


def _candidate_key(a: str, b: str) -> tuple[str, str]:
    first, second = sorted((a, b))
    return f"CANDIDATE#{first}#{second}", "CANDIDATE"


def add_candidate(record: dict[str, Any]) -> bool:
    """A possible duplicate, open; False when the pair was seen before (open or decided)."""
    pk, sk = _candidate_key(record["fixture_id"], record["other_id"])
    first, second = sorted((record["fixture_id"], record["other_id"]))
    sort = f"{record['at']:0{START_DIGITS}d}#{first}#{second}"
    return _put_new({**record, "pk": pk, "sk": sk, "gsi3pk": "CANDIDATES", "gsi3sk": sort})


def close_candidate(a: str, b: str, fields: Mapping[str, Any]) -> None:
    """A candidate decided (linked, or moot): out of the open list, kept with its decision."""
    _set(*_candidate_key(a, b), {**fields, "open": False}, remove=("gsi3pk", "gsi3sk"))


def valid_candidate_cursor(cursor: str) -> bool:
    return bool(_CANDIDATE_KEY.fullmatch(cursor))


def open_candidates(*, after: str | None, limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """Open link candidates, oldest first (GSI3 ``CANDIDATES``, sparse)."""
    query: dict[str, Any] = {
        "IndexName": "GSI3",
        "KeyConditionExpression": "gsi3pk = :pk",
        "ExpressionAttributeValues": aws.to_item({":pk": "CANDIDATES"}),
        "Limit": limit,
    }
    if after:
        _, first, second = after.split("#")
        pk, sk = _candidate_key(first, second)
        query["ExclusiveStartKey"] = aws.to_item({"gsi3pk": "CANDIDATES", "gsi3sk": after, "pk": pk, "sk": sk})
    items, last = _query(**query)
    return [_plain(i) for i in items], (str(last["gsi3sk"]) if last else None)


def candidates_of(fixture_id: str) -> list[dict[str, Any]]:
    """The open candidates naming a fixture (few; read from the open list)."""
    found: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        page, after = open_candidates(after=after, limit=200)
        found.extend(c for c in page if fixture_id in (c["fixture_id"], c["other_id"]))
        if after is None:
            return found


# ---------------------------------------------------------------- competitors
def competitor(competitor_id: str) -> dict[str, Any] | None:
    item = _get(f"COMPETITOR#{competitor_id}", "COMPETITOR")
    return _plain(item) if item else None


def competitors(ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = {i: (_table(), {"pk": f"COMPETITOR#{i}", "sk": "COMPETITOR"}) for i in set(ids)}
    if not wanted:
        return {}
    found = aws.batch_get(wanted)
    return {i: _plain(item) for i, item in found.items() if item}


def competitor_named(sport: str, name_key: str) -> str | None:
    """The competitor a normalised name belongs to in a sport."""
    item = _get(f"NAME#{sport}#{name_key}", "NAME")
    return str(item["competitor_id"]) if item else None


def _transact(items: list[dict[str, Any]]) -> bool:
    """One transaction of this table's items; False when a condition failed."""
    client = _client()
    try:
        client.transact_write_items(TransactItems=items)
    except client.exceptions.TransactionCanceledException:
        return False
    return True


def _name_claim(sport: str, name_key: str, competitor_id: str) -> dict[str, Any]:
    """A name given to a competitor, if no one has it yet."""
    item = {"pk": f"NAME#{sport}#{name_key}", "sk": "NAME", "competitor_id": competitor_id}
    return {
        "Put": {"TableName": _table(), "Item": aws.to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}
    }


def _name_move(sport: str, name_key: str, from_id: str, to_id: str) -> dict[str, Any]:
    """A name moved from one competitor to another, if it is still the first one's."""
    return {
        "Update": {
            "TableName": _table(),
            "Key": aws.to_item({"pk": f"NAME#{sport}#{name_key}", "sk": "NAME"}),
            "UpdateExpression": "SET competitor_id = :to",
            "ConditionExpression": "competitor_id = :from",
            "ExpressionAttributeValues": aws.to_item({":to": to_id, ":from": from_id}),
        }
    }


def _alias_added(competitor_id: str, alias: str) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": _table(),
            "Key": aws.to_item({"pk": f"COMPETITOR#{competitor_id}", "sk": "COMPETITOR"}),
            "UpdateExpression": "SET aliases = list_append(if_not_exists(aliases, :none), :alias)",
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeValues": aws.to_item({":none": [], ":alias": [alias]}),
        }
    }


def add_competitor(record: dict[str, Any], name_key: str) -> bool:
    """A new competitor and its name, in one transaction; False when the name was taken meanwhile."""
    item = {**record, "pk": f"COMPETITOR#{record['id']}", "sk": "COMPETITOR"}
    created = {
        "Put": {"TableName": _table(), "Item": aws.to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}
    }
    return _transact([_name_claim(record["sport"], name_key, record["id"]), created])


def add_alias(sport: str, competitor_id: str, alias: str, name_key: str) -> bool:
    """Another name of a competitor (when the name is no one's yet): its name entry and the alias."""
    return _transact([_name_claim(sport, name_key, competitor_id), _alias_added(competitor_id, alias)])


def move_name(sport: str, name_key: str, from_id: str, to_id: str, alias: str) -> bool:
    """A name moves from one competitor to another (ops linked them: the same), kept as an alias
    of the new one; False when it no longer belonged to ``from_id``."""
    return _transact([_name_move(sport, name_key, from_id, to_id), _alias_added(to_id, alias)])


def unmove_name(sport: str, name_key: str, holder_id: str, back_to_id: str, alias: str) -> bool:
    """Undo ``move_name`` (ops unlinked what they had linked): the name belongs to its first
    competitor again and is no longer an alias of the other; False when either changed meanwhile."""
    holder = competitor(holder_id)
    if holder is None:
        return False
    aliases = list(holder.get("aliases") or [])
    kept = {
        "Update": {
            "TableName": _table(),
            "Key": aws.to_item({"pk": f"COMPETITOR#{holder_id}", "sk": "COMPETITOR"}),
            "UpdateExpression": "SET aliases = :kept",
            "ConditionExpression": "aliases = :was",
            "ExpressionAttributeValues": aws.to_item({":kept": [a for a in aliases if a != alias], ":was": aliases}),
        }
    }
    return _transact([_name_move(sport, name_key, holder_id, back_to_id), kept])
