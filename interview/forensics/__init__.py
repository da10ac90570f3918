"""Forensic signals for face-swap, reenactment and lip-sync artifacts. None needs training data:
each measures one physical trace of a synthesised face and says what it measured.

Per-frame signals take a `FaceCrop` (face_regions.py): boundary (blending seam), sharpness (face
vs. the frame it sits in), spectrum (high-frequency falloff), mouth_eyes (teeth detail, eye
highlights). Temporal signals take series: flicker (face colour vs. surroundings) and jitter
(landmarks after head-motion removal, identity embeddings). stress compares all of them in profile
views and hand occlusion with frontal views. fusion.py turns values into one risk.
"""
