"""The digits page: one drawing read by a CNN and three row readers, trained live."""
