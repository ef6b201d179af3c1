"""Where commands come from: edited comments, pull-request comments and review bodies."""

from __future__ import annotations

from tests.commands.conftest import REPO, Talk


def test_an_edited_comment_runs_only_the_line_it_added(talk: Talk) -> None:
    talk.person("ana", "read")
    comment = talk.say(talk.failure, "ana", "/help")
    assert len(talk.bot_replies(talk.failure)) == 1
    talk.h.admin(
        "POST",
        f"/repos/{REPO}/issues/comments/{comment['id']}/edit",
        json={"user": "ana", "body": "/help\nthanks! typo fixed"},
    )
    talk.h.work_until_settled()
    assert len(talk.bot_replies(talk.failure)) == 1  # nothing new ran
    talk.h.admin(
        "POST",
        f"/repos/{REPO}/issues/comments/{comment['id']}/edit",
        json={"user": "ana", "body": "/help\nthanks! typo fixed\n/status"},
    )
    talk.h.work_until_settled()
    replies = talk.bot_replies(talk.failure)
    assert len(replies) == 2
    assert "> /status" in replies[1] and "> /help" not in replies[1]


def test_commands_in_a_pull_request_comment_run_and_reply_there(talk: Talk) -> None:
    talk.person("ana", "read")
    number = talk.pull_request("ana")
    comment = talk.say(number, "ana", "/help")
    assert len(talk.bot_replies(number)) == 1
    assert talk.reactions(comment["id"]) == ["eyes", "+1"]


def test_commands_in_a_review_body_run_and_reply_on_the_pull_request(talk: Talk) -> None:
    talk.person("ana", "write")
    talk.person("rob", "read")
    number = talk.pull_request("ana")
    talk.h.admin(
        "POST",
        f"/repos/{REPO}/pulls/{number}/reviews",
        json={"user": "rob", "body": "Looks fine.\n/help", "event": "COMMENT"},
    )
    talk.h.work_until_settled()
    (reply,) = talk.bot_replies(number)
    assert "> /help" in reply and "@rob" in reply
