"""The inbox and the waiting list read the referrals they list, not the years of ended ones
(PostgreSQL's planner, issue 15).

A service keeps its ended referrals for decades, and they are older than the open ones. Sorted
oldest first through the index on every referral, the planner (expecting the open referrals to
be spread evenly through the years) walked the whole history before it found the first page:
118,754 ended referrals thrown away for 50 shown at the large demo (76 ms). Each list now has a
partial index over only its own statuses, in the same order. The page's query is explained with
`EXPLAIN (ANALYZE, FORMAT JSON)` over a history that grows 20-fold: it reads that index and the
rows it reads stay under a fixed multiple of the rows shown.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.referrals import selectors
from stepcare.referrals.models import Referral
from tests.factories.referrals import ReferralFactory

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the query plans checked are PostgreSQL's"
)

SMALL_HISTORY, LARGE_HISTORY = 1_000, 20_000  # ended referrals, all older than the open ones
OPEN = 120  # half new (the inbox), half waiting (the waiting list)
SCAN_NODES = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


def _walk(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [plan] + [node for child in plan.get("Plans", []) for node in _walk(child)]


def _explain(sql: str, *, sorted_by_index: bool = False) -> tuple[int, int, set[str]]:
    """(rows the referral table's scans read, rows returned, indexes used) of one query, run.
    ``sorted_by_index``: the plan the planner makes when it reads the rows in order from an index
    instead of sorting them (what it chose at the large demo, where the lists are long)."""
    with connection.cursor() as cursor:
        if sorted_by_index:
            cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (document,) = cursor.fetchone()
        if sorted_by_index:
            cursor.execute("SET LOCAL enable_sort = on")
    plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    read, indexes = 0, set()
    for node in _walk(plan):
        if node["Node Type"] in SCAN_NODES and node.get("Relation Name") == Referral._meta.db_table:
            kept = node.get("Actual Rows", 0)
            removed = node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
            read += round((kept + removed) * node.get("Actual Loops", 1))
        if "Index Name" in node:
            indexes.add(node["Index Name"])
    return read, plan["Actual Rows"], indexes


def _page_query(run: Any) -> str:
    """The query that fetches the page's rows (the one with the LIMIT)."""
    with CaptureQueriesContext(connection) as captured:
        run()
    table = Referral._meta.db_table
    for query in captured.captured_queries:
        if f'FROM "{table}"' in query["sql"] and "LIMIT" in query["sql"]:
            return str(query["sql"])
    raise AssertionError("the list fetched no page of referrals")


def _history(team: Any, patient: Any, first: int, count: int) -> None:
    today = timezone.localdate()
    Referral.objects.bulk_create(
        [
            Referral(
                reference=f"SC-E{first + n:07d}",
                team=team,
                patient=patient,
                source="self",
                received_on=today - dt.timedelta(days=400 + (first + n) % 7000),
                status=Referral.Status.ENDED,
                end_code="50",
                discharge_date=today - dt.timedelta(days=300),
                presenting_difficulties="Ended long ago.",
                consent_given=True,
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE referrals_referral")


def test_the_partial_indexes_cover_exactly_each_lists_statuses() -> None:
    conditions = {index.name: index.condition for index in Referral._meta.indexes}
    assert conditions["referral_inbox_oldest_first"].children == [  # type: ignore[union-attr]
        ("status__in", list(Referral.INBOX_STATUSES))
    ]
    assert conditions["referral_waiting_oldest_first"].children == [  # type: ignore[union-attr]
        ("status__in", list(Referral.WAITING_STATUSES))
    ]


@postgresql_only
def test_each_list_reads_its_own_referrals_not_the_ended_history(service) -> None:
    today = timezone.localdate()
    anchor = ReferralFactory(team=service.team)
    Referral.objects.bulk_create(
        [
            Referral(
                reference=f"SC-O{n:07d}",
                team=service.team,
                patient=anchor.patient,
                source="self",
                received_on=today - dt.timedelta(days=1 + n % 90),
                status=Referral.Status.RECEIVED if n % 2 else Referral.Status.WAITING,
                step="3",
                presenting_difficulties="Open.",
                consent_given=True,
            )
            for n in range(OPEN)
        ]
    )
    manager = service.staff[Role.SERVICE_MANAGER]
    results = {}
    for size, first, count in (("small", 0, SMALL_HISTORY), ("large", SMALL_HISTORY, LARGE_HISTORY)):
        _history(service.team, anchor.patient, first, count)
        inbox = _page_query(lambda: selectors.inbox(user=manager))
        waiting = _page_query(lambda: selectors.waiting_list(user=manager))
        results[size] = {"inbox": _explain(inbox), "waiting list": _explain(waiting)}
        results[f"{size} in order"] = {
            "inbox": _explain(inbox, sorted_by_index=True),
            "waiting list": _explain(waiting, sorted_by_index=True),
        }
    assert Referral.objects.filter(status=Referral.Status.ENDED).count() == SMALL_HISTORY + LARGE_HISTORY
    lists = (("inbox", "referral_inbox_oldest_first"), ("waiting list", "referral_waiting_oldest_first"))
    for plan in ("", " in order"):
        for name, index in lists:
            read_small, returned_small, _ = results[f"small{plan}"][name]
            read_large, returned_large, indexes = results[f"large{plan}"][name]
            report = (
                f"{name}{plan}: {read_small} then {read_large} referral rows read for {returned_large} shown"
            )
            print(report)  # shown with -s: the figures for a report
            assert returned_large == returned_small == selectors.PAGE_SIZE, name
            # The page, and for the waiting list each row's place in the queue (counted among
            # the people waiting, never the ended): bounded by the open referrals, not the history.
            assert read_large <= 2 * read_small + 30, report
            assert read_large <= (OPEN + 1) * (selectors.PAGE_SIZE + 1), report
            if plan:  # read in order: from the list's own index, not the one over every referral
                assert index in indexes, (report, indexes)
                assert "referral_oldest_first" not in indexes, (report, indexes)
