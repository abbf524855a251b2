"""Department reports (部门汇报) and their KPIs (关键指标)."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lihui.meetings.models import AgendaItem
from lihui.people.models import Department


class Kpi(models.Model):
    """A metric a department reports at every meeting, e.g. 订单准时发货率 (%)."""

    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    default_target = models.DecimalField(_("default target"), max_digits=14, decimal_places=4, null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["department", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["department", "name"], name="kpi_unique_name")]
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name


class Report(models.Model):
    """What a department head brings to a report item: progress, problems, plan, feedback, KPIs."""

    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="report")
    department = models.ForeignKey(Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.SET_NULL)
    progress = models.TextField(_("progress"), blank=True)
    problems = models.TextField(_("problems and risks"), blank=True)
    plan = models.TextField(_("next-period plan"), blank=True)
    feedback = models.TextField(_("customer feedback and market notes"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("department report")
        verbose_name_plural = _("department reports")

    def __str__(self) -> str:
        return str(self.item)


class KpiValue(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="values")
    kpi = models.ForeignKey(Kpi, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="values")
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=4, null=True, blank=True)
    actual = models.DecimalField(_("actual"), max_digits=14, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["kpi__position", "kpi_id"]
        constraints = [models.UniqueConstraint(fields=["report", "kpi"], name="kpivalue_unique_kpi")]
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")

    @property
    def achievement(self) -> Decimal | None:
        return achievement(self.target, self.actual, higher_is_better=self.kpi.higher_is_better)


def achievement(target: Decimal | None, actual: Decimal | None, *, higher_is_better: bool) -> Decimal | None:
    """达成率 in percent. Higher-is-better: actual ÷ target; lower-is-better (complaints,
    delivery hours): target ÷ actual, so beating the target is above 100 % both ways.
    None when it cannot be computed (no value, or a zero or negative denominator)."""
    if target is None or actual is None:
        return None
    numerator, denominator = (actual, target) if higher_is_better else (target, actual)
    if denominator <= 0 or numerator < 0:
        return None
    # Rounded down, so a missed target never shows as 100 %.
    return (numerator / denominator * 100).quantize(Decimal("0.1"), rounding=ROUND_DOWN)
