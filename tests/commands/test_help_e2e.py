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
