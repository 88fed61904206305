"""The tenant: the operator (事業者) every operator-facing record belongs to.

It sits below every app that needs it — accounts (a user belongs to an operator), registration (operator
information and its applications), auctions, notices — so none of them forms a cycle: `accounts` points here, not
at `registration`, and `registration` may import `accounts`. The operator is changed only through registration's
operator applications (capacity_market.review); this app holds the record and its fields.
"""
