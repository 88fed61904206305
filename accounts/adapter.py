from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """No public sign-up: IDs are issued by OCCTO (admin IDs) and by each operator's admin (user IDs)."""

    def is_open_for_signup(self, request) -> bool:
        return False
