"""Charts return (figure, one-sentence summary with the numbers); colour is never the only cue;
HTML tables are accessible and escaped."""

from __future__ import annotations

import re

import matplotlib.colors as mcolors

from peerkit import plots, prep

from .conftest import people_frame, status_frame

ALLOWED = {mcolors.to_hex(c).lower() for c in plots.OKABE_ITO.values()} | {"#555555", "#777777", "#ffffff", "#888888",
                                                                           "#999999", "#333333", "#1a1a1a"}


def bar_faces(fig):
    out = []
    for ax in fig.axes:
        for patch in ax.patches:
            if patch.get_width() > 0:
                out.append((mcolors.to_hex(patch.get_facecolor()).lower(), patch.get_hatch() or ""))
    return out


def check(fig, summary):
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)
    assert isinstance(summary, str) and summary.endswith(".") and "\n" not in summary
    png = plots.figure_png(fig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_band_chart(frame, quiz):
    fig, summary = plots.band_chart(prep.band_distribution(frame, quiz), "Readiness")
    check(fig, summary)
    assert summary == "Of 4 respondents, 2 in “Ready”, 1 in “Not yet” and 1 in “Not complete (no band)”."
    faces = bar_faces(fig)
    assert {c for c, _ in faces} <= ALLOWED
    # roles stacked: told apart by hatching as well as colour
    assert len({h for _, h in faces}) >= 2


def test_option_counts_chart_marks_each_answer_by_colour_and_hatch(frame, sia):
    fig, summary = plots.option_counts_chart(prep.option_counts(frame, sia), sia, "Principles")
    check(fig, summary)
    # totals over everyone: S 2+1+0 = 3 (p1 2, p2 1), I 1+2+1 = 4, A 1+1+2 = 4
    assert "3 S, 4 I and 4 A" in summary
    assert "“1. Principle one” (2 of 4)" in summary
    faces = bar_faces(fig)
    by_colour = {}
    for colour, hatch in faces:
        by_colour.setdefault(colour, set()).add(hatch)
    assert len(by_colour) == 3 and len({next(iter(h)) for h in by_colour.values()}) == 3
    # counts are written on the bars
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "S 1" in texts and "A 1" in texts


def test_area_means_chart(frame, freq):
    fig, summary = plots.area_means_chart(prep.area_means(frame, freq), "Self evaluation")
    check(fig, summary)
    # role rows (see test_prep): A supervisors 2.75, A peer 4.5, A other 3.0, B supervisors 4.0,
    # B peer 2.0 -> highest 4.50 (area A, peer), lowest 2.00 (area B, peer)
    assert "highest “Area A” for peer specialists (4.50, n=1)" in summary
    assert "lowest “Area B” for peer specialists (2.00, n=1)" in summary
    markers = {line.get_marker() for ax in fig.axes for line in ax.lines}
    assert {"s", "o"} <= markers  # roles differ by marker shape too


def test_spread_and_role_gap_charts(frame, sia):
    fig, summary = plots.spread_chart(prep.widest_disagreement(frame, sia), "Spread")
    check(fig, summary)
    assert "“1. Principle one”" in summary and "0.96" in summary
    fig, summary = plots.role_gap_chart(prep.widest_disagreement(frame, sia, by="role_gap"))
    check(fig, summary)
    assert summary == ("Largest gap between roles: “2. Principle two” (supervisors 2.00, "
                       "peer specialists 1.00).")


def test_submission_chart(frame, sia, quiz):
    long = prep.submission_long(status_frame(frame), people_frame(), [sia, quiz])
    fig, summary = plots.submission_chart(prep.submission_counts(long))
    check(fig, summary)
    assert summary == "Submissions for 2 exercises: 0 complete; fewest is “Principles” (4 of 5)."


def test_pair_and_pre_post_charts(frame, sia, freq, check):
    table = prep.pair_table(frame, sia, 1, 2)
    fig, summary = plots.pair_chart(table, sia, "Ann", "Ben $5")
    check_fig = fig
    assert summary == ("Ann and Ben $5 gave the same answer on 2 of 3 items both answered; "
                       "the largest gap is 1 on “2. Principle two”.")
    texts = [t.get_text() for ax in check_fig.axes for t in ax.texts]
    assert "≠" in texts  # differences carry a symbol, not only a colour
    areas = prep.pair_areas(freq, prep.pair_table(frame, freq, 1, 2))
    fig, summary = plots.pair_area_chart(areas, "Ann", "Ben")
    assert "“Area B” (3.00 vs 2.00; kappa 0, less than chance agreement)" in summary
    s = prep.pre_post_summary(check, prep.person_pre_post(frame, check, 1))
    fig, summary = plots.pre_post_chart(s, "Ann", "Before", "After")
    assert summary == "Items ticked went from 1 to 2 of 3 (before to after): 1 gained and 0 lost."


def test_empty_charts_say_so(sia, quiz, freq):
    empty = prep.empty_responses()
    for fig, summary in (plots.band_chart(prep.band_distribution(empty, quiz)),
                         plots.option_counts_chart(prep.option_counts(empty, sia), sia),
                         plots.area_means_chart(prep.area_means(empty, freq)),
                         plots.spread_chart(prep.widest_disagreement(empty, freq)),
                         plots.submission_chart(prep.submission_counts(prep.submission_long(None, [], [sia])))):
        check(fig, summary)
        assert "yet" in summary


def test_dollar_signs_are_drawn_literally(frame, sia):
    fig, _ = plots.pair_chart(prep.pair_table(frame, sia, 1, 2), sia, "$x$", "b")
    plots.figure_png(fig)  # mathtext would fail or eat the dollars
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0] == r"\$x\$"


def test_html_table_is_accessible_and_escaped():
    import pandas as pd

    df = pd.DataFrame({"name": ["<script>alert(1)</script>", "Bo & Co"], "n": [1, 2.5], "ok": [True, None]})
    html = plots.html_table(df, "People <caption>", {"name": "Name", "n": "Count", "ok": "Done?"})
    # in a box of its own that scrolls sideways (keyboard-focusable, named by the caption)
    assert html.startswith('<div class="peerkit-table-wrap" role="region" tabindex="0" '
                           'aria-label="People &lt;caption&gt;"><table class="peerkit-table">')
    assert html.endswith("</table></div>")
    assert "<caption>People &lt;caption&gt;</caption>" in html
    assert html.count('<th scope="col">') == 3
    assert '<th scope="row">&lt;script&gt;alert(1)&lt;/script&gt;</th>' in html
    assert "<script>" not in html and "Bo &amp; Co" in html
    assert '<td class="num">2.50</td>' in html and "<td>yes</td>" in html
    fixed = plots.html_table(df, "People", {"name": "Name", "n": "Count"}, layout="fixed", nowrap=["n"])
    assert 'class="peerkit-table peerkit-table-fixed"' in fixed and "<colgroup>" in fixed
    empty = plots.html_table(df.iloc[0:0], "Nothing", empty_text="None yet.")
    assert "<caption>Nothing</caption>" in empty and "None yet." in empty


def test_figure_html_has_alt_text():
    fig, summary = plots.band_chart(None, "x")
    html = plots.figure_html(fig, 'A "quoted" <summary>')
    assert re.search(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="A &quot;quoted&quot; &lt;summary&gt;"',
                     html)
    assert "<figcaption>A &quot;quoted&quot; &lt;summary&gt;</figcaption>" in html


def test_emoji_in_names_never_become_empty_boxes_in_charts(frame, sia):
    """Without an emoji-capable font the emoji are left out of the chart (its table and sentence
    keep them); with one, matplotlib falls back to it. Either way no glyph is missing."""
    import warnings

    fig, summary = plots.pair_chart(prep.pair_table(frame, sia, 1, 2), sia, "Carmen 🌻", "Bob 👍🏽")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plots.figure_png(fig)
        plots.figure_svg(fig)
    assert not [w for w in caught if "missing from" in str(w.message)], [str(w.message) for w in caught]
    if plots.emoji_font() is None:
        assert labels == ["Carmen", "Bob"]
    else:
        assert labels == ["Carmen 🌻", "Bob 👍🏽"]
    assert "Carmen 🌻" in summary  # the sentence beside the chart keeps the name as typed


def test_svg_chart_keeps_its_text_readable_on_a_phone(frame, sia):
    fig, summary = plots.pair_chart(prep.pair_table(frame, sia, 1, 2), sia, "Ann", "Ben")
    html = plots.figure_html(fig, summary, fmt="svg")
    svg, smallest = plots.figure_svg(fig)
    assert "<text" in svg  # text stays text: the browser draws it
    width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', svg).group(1))
    min_px = int(re.search(r"min-width:(\d+)px", html).group(1))
    # the chart never shrinks below the width at which its smallest text is 12 CSS px
    assert min_px * smallest / width >= 12 - 0.01
    assert 'role="img" aria-label="' in html and "<figcaption>" in html
    # ids are unique to each chart (several share a page)
    ids = re.findall(r'id="([^"]+)"', html)
    other = re.findall(r'id="([^"]+)"', plots.figure_html(fig, summary, fmt="svg"))
    assert ids and not set(ids) & set(other)
