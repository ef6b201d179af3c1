"""``/help`` end to end, and the framework's promises around it."""

from __future__ import annotations

from tests.commands.conftest import Talk


def test_help_replies_with_the_generated_table_and_reacts(talk: Talk) -> None:
    talk.person("ana", "read")
    comment = talk.say(talk.failure, "ana", "/help")
    replies = talk.bot_replies(talk.failure)
    assert len(replies) == 1
    assert "| `/help` | anyone |" in replies[0]
    assert "How to talk to me" in replies[0]
    assert talk.reactions(comment["id"]) == ["eyes", "+1"]


def test_a_bots_comment_is_ignored_entirely(talk: Talk) -> None:
    talk.bot("renovate[bot]")
    comment = talk.say(talk.failure, "renovate[bot]", "/help\n/resolve")
    assert talk.bot_replies(talk.failure) == []
    assert talk.reactions(comment["id"]) == []


def test_loopwatchs_own_reply_never_triggers_it(talk: Talk) -> None:
    talk.h.admin("POST", "/config", json={"webhooks_for_app_actions": True})
    talk.person("ana", "read")
    talk.say(talk.failure, "ana", "/help")
    deliveries = talk.h.admin("GET", "/deliveries")
    own = [
        d
        for d in deliveries
        if d["event"] == "issue_comment" and d["payload"]["sender"]["login"].endswith("[bot]")
    ]
    assert own, "GitHub sends webhooks for the App's own comments; the sandbox did too"
    assert all(d["status"] == 202 for d in own)  # accepted, stored, handled by the worker
    talk.h.work_until_settled()
    assert len(talk.bot_replies(talk.failure)) == 1


def test_a_quoted_command_in_a_reply_does_nothing(talk: Talk) -> None:
    talk.person("ana", "read")
    comment = talk.say(talk.failure, "ana", "> /help\n\nwhat does this do?")
    assert talk.bot_replies(talk.failure) == []
    assert talk.reactions(comment["id"]) == []
