"""Class mode's teacher's page: start a class, hand out its link, watch the answers arrive."""
