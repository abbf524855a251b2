"""The time zones a person or a series can choose: the zone database's own list
(`zoneinfo.available_timezones()`), without its deprecated aliases and backward links
(PRC, Asia/Chongqing, Asia/Harbin, Etc/GMT+8 …), the zones Chinese companies use most
first (北京时间 at the top), the rest grouped by region. One list for every zone select."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import known_time_zones

# The zones offered first, with a name people know them by.
COMMON = [
    ("Asia/Shanghai", gettext_lazy("China Standard Time")),
    ("Asia/Hong_Kong", gettext_lazy("Hong Kong Time")),
    ("Asia/Taipei", gettext_lazy("Taipei Time")),
    ("Asia/Singapore", gettext_lazy("Singapore Time")),
    ("Asia/Tokyo", gettext_lazy("Tokyo Time")),
    ("Asia/Seoul", gettext_lazy("Seoul Time")),
    ("Europe/London", gettext_lazy("London Time")),
    ("Europe/Berlin", gettext_lazy("Central European Time")),
    ("America/New_York", gettext_lazy("US Eastern Time")),
    ("America/Los_Angeles", gettext_lazy("US Pacific Time")),
    ("UTC", gettext_lazy("Coordinated Universal Time")),
]
REGIONS = {
    "Asia": gettext_lazy("Asia"),
    "Europe": gettext_lazy("Europe"),
    "America": gettext_lazy("Americas"),
    "Africa": gettext_lazy("Africa"),
    "Australia": gettext_lazy("Australia"),
    "Pacific": gettext_lazy("Pacific"),
    "Atlantic": gettext_lazy("Atlantic"),
    "Indian": gettext_lazy("Indian Ocean"),
    "Antarctica": gettext_lazy("Antarctica"),
    "Arctic": gettext_lazy("Arctic"),
}
# Backward links the zone database keeps for old data; used when zone.tab cannot be read,
# and as a second filter after it.
ALIASES = {
    "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "Asia/Kashgar", "Asia/Macao", "Asia/Calcutta",
    "Asia/Saigon", "Asia/Katmandu", "Asia/Rangoon", "Asia/Dacca", "Asia/Thimbu", "Asia/Ulan_Bator",
    "Asia/Ujung_Pandang", "Asia/Ashkhabad", "Asia/Tel_Aviv", "Asia/Istanbul", "Europe/Kiev", "Europe/Belfast",
    "Europe/Tiraspol", "Europe/Nicosia", "Europe/Uzhgorod", "Europe/Zaporozhye", "America/Buenos_Aires",
    "America/Catamarca", "America/Cordoba", "America/Jujuy", "America/Mendoza", "America/Indianapolis",
    "America/Fort_Wayne", "America/Knox_IN", "America/Louisville", "America/Montreal", "America/Shiprock",
    "America/Virgin", "America/Ensenada", "America/Santa_Isabel", "America/Porto_Acre", "America/Rosario",
    "America/Atka", "America/Godthab", "Atlantic/Faeroe", "Atlantic/Jan_Mayen", "Australia/ACT",
    "Australia/Canberra", "Australia/NSW", "Australia/North", "Australia/Queensland", "Australia/South",
    "Australia/Tasmania", "Australia/Victoria", "Australia/West", "Australia/Yancowinna", "Australia/LHI",
    "Pacific/Samoa", "Pacific/Yap", "Pacific/Truk", "Pacific/Ponape", "Pacific/Enderbury", "Pacific/Johnston",
    "Africa/Asmera", "Africa/Timbuktu", "Antarctica/South_Pole",
}  # fmt: skip


def _zone_tab() -> set[str] | None:
    """The zones of zone.tab (one or more per country, no aliases), from the tzdata package
    or the system's zone database; None when neither is there."""
    texts = []
    try:
        texts.append(resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8"))
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        pass
    for path in ("/usr/share/zoneinfo/zone.tab", "/usr/share/lib/zoneinfo/zone.tab"):
        if not texts and Path(path).is_file():
            texts.append(Path(path).read_text(encoding="utf-8"))
    if not texts:
        return None
    return {line.split("\t")[2] for line in texts[0].splitlines() if line and not line.startswith("#") and line.count("\t") >= 2}


@lru_cache(maxsize=1)
def time_zones_offered() -> tuple[str, ...]:
    """Canonical Area/City zones (and UTC) the installed database knows, sorted."""
    known = known_time_zones()
    listed = _zone_tab()
    zones = set()
    for name in known:
        area = name.split("/", 1)[0]
        if area not in REGIONS or "/" not in name or name in ALIASES:
            continue  # PRC, GB, EST5EDT, Etc/GMT+8, US/Pacific …
        if listed is not None and name not in listed:
            continue
        zones.add(name)
    return tuple(sorted(zones | ({"UTC"} & known)))


def time_zone_label(zone: str) -> str:
    """「北京时间（Asia/Shanghai）」 / "China Standard Time (Asia/Shanghai)"; other zones by their name."""
    names = dict(COMMON)
    if zone in names:
        return _("%(name)s (%(zone)s)") % {"name": names[zone], "zone": zone}
    return zone.replace("_", " ")


def time_zone_choices(current: str | None = None) -> list:
    """Grouped choices for a zone <select>: the common zones first, then by region. A zone
    already stored that is no longer offered (an alias saved earlier) stays choosable."""
    offered = time_zones_offered()
    common = [z for z, _name in COMMON if z in offered]
    groups: dict[str, list] = {}
    for zone in offered:
        if zone in common or zone == "UTC":
            continue
        groups.setdefault(zone.split("/", 1)[0], []).append((zone, time_zone_label(zone)))
    choices: list = [(_("Common"), [(z, time_zone_label(z)) for z in common])]
    choices += [(str(REGIONS[area]), groups[area]) for area in REGIONS if area in groups]
    if current and current not in offered and current in known_time_zones():
        choices.append((_("Other"), [(current, current)]))
    return choices
