"""A gadget (an operator's master record with one info field) and the application that creates, changes or
deletes it."""

from django.db import models

from capacity_market import review


class GadgetInfo(review.InfoFields):
    label = models.CharField("label", max_length=50)

    INFO_FIELDS = ("label",)

    class Meta:
        abstract = True


class Gadget(GadgetInfo):
    operator = models.ForeignKey("tenants.Operator", on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.label


GadgetApplicationBase = review.subject_application(
    subject="kit_app.Gadget", subject_field="gadget", related_name="applications", operator_related_name="+",
)


class GadgetApplication(GadgetInfo, GadgetApplicationBase):
    number_prefix = "GA"

    class Meta(GadgetApplicationBase.Meta):
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.number

    @property
    def subject_label(self) -> str:
        return self.label
