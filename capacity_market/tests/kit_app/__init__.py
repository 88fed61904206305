"""A test-only application type on the kit, so the kit tests itself without borrowing a business app's model.

Installed only by the test settings (capacity_market.test_settings); its URLs are served by `urls.py` here, which
adds them to the project's. It is also the smallest complete application type: one info field, like expected
capacity, and the line count docs/extending.md quotes for a simple type.
"""
