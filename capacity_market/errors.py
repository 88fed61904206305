"""Domain errors: raised by services, turned into messages in the user's language at the view."""


class DomainError(Exception):
    """A refused business operation. `message` is translated and safe to show to the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message
