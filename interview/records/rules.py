"""The retention rule and the disclosure a candidate consents to: read by the store (consent), the
face registry (how long a face is remembered) and retention (what a purge deletes and when)."""

RETENTION_DAYS = 30
DEFAULT_DISCLOSURE = (
    "The interview is recorded and analysed on this computer for signs that the person is live, matches "
    "their ID, shows no face manipulation and answers on their own. The analysis reports evidence for a "
    "person to review; it makes no decision. Face and voice embeddings, the answers' text and corners of the "
    "room are compared with earlier candidates'. Video, evidence frames, face and voice data, answers and room "
    "features are deleted within "
    f"{RETENTION_DAYS} days, or sooner on request."
)
