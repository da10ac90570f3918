"""A toy check, added the way any new check is: one folder and one registry line (here the
registry line is $INTERVIEW_VERIFY_EXTRA_CHECKS, so the product's own list stays untouched)."""
