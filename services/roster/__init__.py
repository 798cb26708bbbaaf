"""The roster file: parsing and checking it, applying it all-or-nothing, balai
coordinates."""
