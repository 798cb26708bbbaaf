"""Kecamatan, kelurahan and RW: official codes, loose name matching, the RW a citizen
means (typed or by shared location)."""
