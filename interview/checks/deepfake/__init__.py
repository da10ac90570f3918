"""Forensic signals for face-swap, reenactment and lip-sync artifacts. None needs training data:
each measures one physical trace of a synthesised face and says what it measured.

Per-frame signals take a `FaceCrop` (face_regions.py), cut from the source-resolution frame:
boundary (blending seam), sharpness and spectrum (detail and high-frequency falloff of the face vs.
the ring of hair, ears and neck around it), mouth_eyes (teeth detail, eye highlights). Temporal
signals take series: flicker (face colour vs. surroundings) and jitter (landmarks after head-motion
removal, identity embeddings). stress compares all of them in profile views and hand occlusion with
frontal views. fusion.py turns values into one risk.
"""
