"""The guided tour: predict-then-reveal steps, one file per page family."""
