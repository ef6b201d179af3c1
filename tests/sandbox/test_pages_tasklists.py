"""Issue pages show the bot's checklists as GitHub does, and still escape raw HTML."""

from __future__ import annotations

from loopwatch_sandbox.pages import render_markdown


def test_task_lists_render_as_disabled_checkboxes() -> None:
    html = render_markdown("- [x] criterion met\n- [ ] criterion failing")
    assert html.count('type="checkbox"') == 2
    assert 'checked="checked" disabled="disabled" type="checkbox"> criterion met' in html


def test_other_inputs_stay_escaped() -> None:
    html = render_markdown('<input type="text" value="x">\n\n- [ ] <input type="checkbox">')
    assert '<input type="text"' not in html
    assert (
        "&lt;input type=&quot;checkbox&quot;&gt;" in html or '&lt;input type="checkbox"&gt;' in html
    )
