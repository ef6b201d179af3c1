"""Writes of one installation go one at a time, spaced out; other installations don't wait."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.github.pacer import WritePacer
from tests.github.conftest import FakeTime


def pacer(fake_time: FakeTime) -> WritePacer:
    return WritePacer(1.0, 3.0, clock=fake_time.clock, sleep=fake_time.sleep)


@pytest.mark.anyio
async def test_first_write_goes_at_once_and_the_next_waits_the_write_pause(
    fake_time: FakeTime,
) -> None:
    p = pacer(fake_time)
    async with p.write(7):
        fake_time.now += 0.25  # the call itself takes a quarter of a second
    async with p.write(7):
        pass
    assert fake_time.sleeps == [1.0]


@pytest.mark.anyio
async def test_writes_that_notify_people_wait_the_longer_pause(fake_time: FakeTime) -> None:
    p = pacer(fake_time)
    async with p.write(7, notify=True):
        pass
    async with p.write(7):  # an edit: only the write pause
        pass
    async with p.write(7, notify=True):  # a new comment: 3 s after the last notifying write
        pass
    assert fake_time.sleeps == [1.0, 2.0]


@pytest.mark.anyio
async def test_no_pause_once_enough_time_has_passed(fake_time: FakeTime) -> None:
    p = pacer(fake_time)
    async with p.write(7, notify=True):
        pass
    fake_time.now += 10
    async with p.write(7, notify=True):
        pass
    assert fake_time.sleeps == []


@pytest.mark.anyio
async def test_installations_are_paced_independently(fake_time: FakeTime) -> None:
    p = pacer(fake_time)
    async with p.write(1):
        pass
    async with p.write(2):
        pass
    assert fake_time.sleeps == []


@pytest.mark.anyio
async def test_a_failed_write_still_counts_for_the_pause(fake_time: FakeTime) -> None:
    p = pacer(fake_time)
    with pytest.raises(RuntimeError):
        async with p.write(7):
            raise RuntimeError("502")
    async with p.write(7):
        pass
    assert fake_time.sleeps == [1.0]


@pytest.mark.anyio
async def test_concurrent_writes_of_one_installation_never_overlap() -> None:
    p = WritePacer(0, 0)
    running = 0
    most = 0

    async def one_write() -> None:
        nonlocal running, most
        async with p.write(7):
            running += 1
            most = max(most, running)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            running -= 1

    await asyncio.gather(*(one_write() for _ in range(10)))
    assert most == 1
    assert p.writes == 10
