"""The gadget application type: everything else comes from the kit."""

from django import forms

from capacity_market import review

from .models import Gadget, GadgetApplication


class GadgetForm(forms.Form):
    label = forms.CharField(max_length=50)
    applicant_comment = forms.CharField(required=False, max_length=1000)


class GadgetApplicationType(review.ApplicationType):
    model = GadgetApplication
    namespace, url_prefix = "kit_app", "gadget_application"
    list_title = "Gadget applications"
    subject_heading = "Gadget"

    def apply_new(self, application, actor) -> None:
        application.gadget = Gadget.objects.create(operator_id=application.operator_id, label=application.label)
        application.save(update_fields=["gadget"])

    def editor(self, request, application) -> review.Editor:
        if application.kind == review.ApplicationKind.DELETION:
            return super().editor(request, application)
        return review.Editor([GadgetForm(request.POST if request.method == "POST" else None,
                                         initial={"label": application.label})])


gadget_applications = review.register(GadgetApplicationType())


def submit_gadget_application(*, operator, actor, label: str, gadget: Gadget | None = None,
                              kind: str = review.ApplicationKind.NEW) -> GadgetApplication:
    """File a new, change or deletion application (a change or deletion locks the gadget first)."""
    if gadget is not None:
        gadget = gadget_applications.lock_subject_for_application(gadget)
    application = GadgetApplication(kind=kind, operator=operator, gadget=gadget, label=label)
    return gadget_applications.file(application, actor=actor)
