from lihui.meetings.models import Meeting


def test_cast_series_are_planned(cast):
    assert Meeting.objects.filter(series=cast.series).exists()
    assert cast.series.memberships.count() == 3
