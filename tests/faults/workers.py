"""Worker processes for the concurrency fault tests (spawned: imported by module name)."""

from __future__ import annotations

import traceback


def form_submitter(db_url: str, join_code: str, name: str, role: str, instrument_id: str, worker: int,
                   count: int, barrier, queue, token: str | None = None) -> None:
    """A participant in their own process (a Voila kernel): joins through the join panel (or,
    with ``token``, comes in as the browser that kept that device token: another tab of the same
    person), then submits ``count`` different answer sets through the form's Submit. When the
    other tab stored newer answers first, the form reports a conflict and this tab chooses
    "Keep mine" (until it is stored). Puts ("ok", worker, acks, conflicts)."""
    try:
        from peerkit.instruments import get_instrument
        from peerkit.forms import participant_app
        from peerkit.store import Store, answers_hash

        store = Store(db_url, busy_timeout=30.0)
        ins = get_instrument(instrument_id)
        app = participant_app(store, instruments={ins.id: ins})
        panel = app.join_panel
        if token:
            panel.device.stored = {"token": token}
            panel.device.loaded = True
        else:
            panel.code.value, panel.name.value, panel.role.value = join_code, name, role
            panel.join_button.click()
        assert app.participant is not None, panel.status.value
        form = app.select(ins.id)
        items = [i.id for i in ins.items]
        barrier.wait(timeout=120)
        acks = []
        conflicts = 0
        for k in range(count):
            pattern = (worker << 4 | k) + 1  # different for every worker and submission
            for j, item_id in enumerate(items):
                form.answer(item_id, bool((pattern >> (j % 10)) & 1))
            sub = form.submit()
            for _ in range(100):  # the other tab was faster: keep mine
                if sub is not None or form.conflict is None:
                    break
                conflicts += 1
                sub = form.keep_mine()
            assert sub is not None, form.status.value
            acks.append((app.participant.id, sub.response_id, sub.revision, sub.created,
                         answers_hash(form.state.submitted)))
        store.close()
        queue.put(("ok", worker, acks, conflicts))
    except BaseException:  # noqa: BLE001 - reported to the test
        queue.put(("error", worker, traceback.format_exc()))
