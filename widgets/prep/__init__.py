"""Data preparation for the facilitator dashboard and the reports (a package; import from here).

Pure functions: the tidy responses frame (``Store.responses_frame``; one row per
participant x item answered, current revisions only) and an :class:`Instrument` in,
pandas DataFrames out. No matplotlib, no ipywidgets, no store: everything here is
tested on frames built by hand.

Conventions
-----------
- ``occasion=None`` means the instrument's first occasion (``""`` for instruments
  that are given once). Repeated instruments are summarised one occasion at a time.
- Rows whose item is not in the instrument (another version) or whose value is not
  on the item's scale are left out, never guessed.
- Numeric positions: frequency items use their value (1-5); other ordinal scales
  number their options from the bottom (S/I/A: S=3, I=2, A=1, as in
  :mod:`peerkit.compare`); true/false and checklist items count True as 1, False as 0.
- Spread uses the sample standard deviation (ddof=1): NaN for a single answer.
- Roles are ordered supervisor, peer_specialist, other; ``"all"`` is everyone.
- Every function returns a DataFrame with its documented columns, also when empty.

Modules
-------
- :mod:`.common`: columns, roles, plain values, numeric positions, empty frames;
- :mod:`.selection`: one exercise's answers out of the frame (kept with the frame), respondents;
- :mod:`.scores`: everyone's scores at once, bands, score summary;
- :mod:`.items`: answers per item, area means, spread and disagreement, written answers;
- :mod:`.submissions`: participants and who has submitted what;
- :mod:`.pairs`: a pair's answers compared, action items, the discussion's steps;
- :mod:`.prepost`: before and after the course.
"""

from __future__ import annotations

from .common import (  # noqa: F401
    RESPONSE_COLUMNS, PARTICIPANT_COLUMNS, STATUS_COLUMNS, ROLE_ORDER, ROLE_LABELS, role_label, _py,
    empty_responses, default_occasion, instrument_key, _roles_present, _numeric_kind, item_score,
    option_keys, _empty, ITEM_COLUMNS,
)
from .selection import (  # noqa: F401
    _MEMO, _memo, _row_index, select, _select, _select_rows, _current_answers, answers_by_participant,
    RESPONDENT_COLUMNS, respondents, _respondents, _respondent_rows,
)
from .scores import (  # noqa: F401
    SCORE_COLUMNS, scores, _scores, _score_rows, NOT_BANDED, band_distribution, SCORE_SUMMARY_COLUMNS,
    score_summary,
)
from .items import (  # noqa: F401
    option_counts, _person_item_scores, _scored, AREA_COLUMNS, area_means, SPREAD_COLUMNS, item_spread,
    _item_spread, _spread_rows, widest_disagreement, TEXT_COLUMNS, text_answers, suppress_small_groups,
)
from .submissions import (  # noqa: F401
    participants_frame, role_counts, _expected, LONG_COLUMNS, submission_long, _title, submission_matrix,
    COUNT_COLUMNS, submission_counts,
)
from .pairs import (  # noqa: F401
    PAIR_COLUMNS, pairs_frame, pair_answers, PAIR_STATUS, pair_table, pair_areas, pair_gaps, action_items,
    discussion_steps,
)
from .prepost import (  # noqa: F401
    pre_post_occasions, person_pre_post, PRE_POST_SUMMARY_COLUMNS, pre_post_summary, group_pre_post_sections,
    GROUP_PRE_POST_COLUMNS, group_pre_post,
)

__all__ = [
    "RESPONSE_COLUMNS", "ROLE_ORDER", "ROLE_LABELS", "action_items", "answers_by_participant", "area_means",
    "band_distribution", "default_occasion", "discussion_steps", "empty_responses", "group_pre_post",
    "group_pre_post_sections", "instrument_key", "item_score", "item_spread", "option_counts", "option_keys",
    "pair_answers", "pair_areas", "pair_gaps", "pair_table", "pairs_frame", "participants_frame",
    "person_pre_post", "pre_post_occasions", "pre_post_summary", "respondents", "role_counts", "role_label",
    "score_summary", "scores", "select", "submission_counts", "submission_long", "submission_matrix",
    "suppress_small_groups", "text_answers", "widest_disagreement",
]
