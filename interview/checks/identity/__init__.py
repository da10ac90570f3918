"""Face consistency: the face on camera against the ID photo (`id_photo`, `face_match`), the same
person all call (`segments`), and the check that fuses them (`check`)."""
