"""Operator and resource applications keep the kit's contract (capacity_market.review.testing)."""

import itertools

from capacity_market.review import ApplicationKind
from capacity_market.review.testing import ReviewContractTests
from registration import services
from registration.tests.resource_data import resource_values

_contacts = itertools.count(1)


class TestOperatorChangeApplicationContract(ReviewContractTests):
    app_type = services.operator_applications
    kind = ApplicationKind.CHANGE

    def make_application(self, *, operator, actor):
        operator.refresh_from_db()
        values = {**operator.info_values(), "contact_name": f"担当者{next(_contacts)}"}
        return services.submit_change_application(operator=operator, actor=actor, values=values)

    def resubmit_values(self, application) -> dict:
        return {**application.info_values(), "contact_name": f"訂正{next(_contacts)}", "applicant_comment": "訂正"}


class TestResourceApplicationContract(ReviewContractTests):
    app_type = services.resource_applications

    def make_application(self, *, operator, actor):
        return services.submit_new_resource_application(operator=operator, actor=actor, values=resource_values())

    def resubmit_values(self, application) -> dict:
        return {**application.info_values(), "name": "訂正後の名称", "units": [], "applicant_comment": "訂正"}
