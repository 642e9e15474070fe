"""dashboard.tables: the pure helpers behind the tables the pages show."""

from __future__ import annotations

from dashboard import tables


def test_channel_rules_table_lists_the_default_then_each_channel_in_percent():
    from dashboard.params import Settings

    conf = Settings()
    result = tables.channel_rules_table(conf, ["amazon", "web"])
    assert result["channel"].to_list() == ["*", "amazon", "web"]
    assert result["late_shipment_threshold"][0] == round(
        conf.channel_default.late_shipment_threshold * 100, 4
    )
    assert (
        tables.settings_from_form(
            conf,
            result,
            silence_days=conf.silence_days,
            receiving_buffer_days=conf.receiving_buffer_days,
            statutory_days=conf.statutory_days,
            review_cancel_rate=conf.review_cancel_rate,
            review_slip_days=conf.review_slip_days,
        )
        == conf
    )
