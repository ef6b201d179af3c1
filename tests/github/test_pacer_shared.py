"""The write pacer shared by processes through the database: two pacers (two worker
processes, each with its own engine) on one database keep one installation's writes one
at a time and spaced out, on SQLite and PostgreSQL. A fake clock: nothing waits."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.adapters.github.pacer import WritePacer
from bot.adapters.store import write_lanes
from bot.adapters.store.db import make_engine, make_session_factory
from tests.github.conftest import FakeTime

pytestmark = pytest.mark.anyio


@pytest.fixture
def factories(migrated_url: str) -> Iterator[tuple[sessionmaker[Session], sessionmaker[Session]]]:
    """Two processes' session factories on one database."""
    engines = [make_engine(migrated_url), make_engine(migrated_url)]
    try:
        yield make_session_factory(engines[0]), make_session_factory(engines[1])
    finally:
        for engine in engines:
            engine.dispose()


def two_pacers(
    fake_time: FakeTime,
    factories: tuple[sessionmaker[Session], sessionmaker[Session]],
    **kwargs: float,
) -> tuple[WritePacer, WritePacer]:
    def one(factory: sessionmaker[Session]) -> WritePacer:
        return WritePacer(
            1.0,
            3.0,
            clock=fake_time.clock,
            sleep=fake_time.sleep,
            session_factory=factory,
            **kwargs,
        )

    return one(factories[0]), one(factories[1])


async def test_another_process_waits_the_pause_from_the_end_of_the_last_write(
    fake_time: FakeTime, factories: tuple[sessionmaker[Session], sessionmaker[Session]]
) -> None:
    first, second = two_pacers(fake_time, factories)
    async with first.write(7):
        fake_time.now += 0.25  # the call takes a quarter of a second
    async with second.write(7):
        pass
    assert fake_time.sleeps == [1.0]
    async with second.write(8):  # another installation: its own lane
        pass
    assert fake_time.sleeps == [1.0]


async def test_notifying_writes_are_spaced_across_processes(
    fake_time: FakeTime, factories: tuple[sessionmaker[Session], sessionmaker[Session]]
) -> None:
    first, second = two_pacers(fake_time, factories)
    async with first.write(7, notify=True):
        pass
    async with second.write(7):  # an edit: only the write pause
        pass
    async with second.write(7, notify=True):  # 3 s after the first process's comment
        pass
    assert fake_time.sleeps == [1.0, 2.0]


async def test_a_failed_write_in_one_process_counts_for_the_other(
    fake_time: FakeTime, factories: tuple[sessionmaker[Session], sessionmaker[Session]]
) -> None:
    first, second = two_pacers(fake_time, factories)
    with pytest.raises(RuntimeError):
        async with first.write(7):
            raise RuntimeError("502")
    async with second.write(7):
        pass
    assert fake_time.sleeps == [1.0]


async def test_concurrent_writes_of_two_processes_never_overlap_and_keep_the_pause(
    fake_time: FakeTime, factories: tuple[sessionmaker[Session], sessionmaker[Session]]
) -> None:
    pacers = two_pacers(fake_time, factories)
    calls: list[tuple[float, float]] = []

    async def one_write(pacer: WritePacer) -> None:
        async def call() -> None:
            started = fake_time.now
            for _ in range(3):  # the other process gets a chance to try meanwhile
                await asyncio.sleep(0.01)
            fake_time.now += 0.25
            calls.append((started, fake_time.now))

        await pacer.call(7, call)

    await asyncio.gather(*(one_write(pacers[i % 2]) for i in range(8)))
    assert len(calls) == 8
    assert pacers[0].writes == pacers[1].writes == 4
    calls.sort()
    gaps = [later[0] - earlier[1] for earlier, later in itertools.pairwise(calls)]
    assert min(gaps) >= 1.0 - 1e-6, gaps


async def test_a_process_that_died_holding_the_lane_is_waited_for_until_its_hold_ends(
    fake_time: FakeTime, factories: tuple[sessionmaker[Session], sessionmaker[Session]]
) -> None:
    turn = write_lanes.take(
        factories[0], "installation:7", "dead-process", now=fake_time.now, notify=False, hold_s=2
    )
    assert turn.taken
    _, survivor = two_pacers(fake_time, factories, busy_poll_s=0.5)
    async with survivor.write(7):
        pass
    assert fake_time.sleeps == [0.5, 0.5, 0.5, 0.5]  # looked again while it was held
    assert survivor.writes == 1
