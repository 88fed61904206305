"""Expected-capacity applications keep the kit's contract (capacity_market.review.testing)."""

import pytest

from auctions.qualification import services
from capacity_market.review.testing import ReviewContractTests
from tests.factories import ResourceFactory


class TestExpectedCapacityApplicationContract(ReviewContractTests):
    app_type = services.expected_capacity_applications

    @pytest.fixture(autouse=True)
    def _auction(self, auction):
        self.auction = auction

    def make_application(self, *, operator, actor):
        return services.submit_expected_capacity_application(auction=self.auction, resource=ResourceFactory(operator=operator),
                                                             actor=actor, expected_kw=100_000)

    def resubmit_values(self, application) -> dict:
        return {"expected_kw": 90_000, "applicant_comment": "訂正"}
