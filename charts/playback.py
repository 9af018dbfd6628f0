"""Plotly animation controls shared by the figures that play a text token by token."""

from __future__ import annotations

PLAYBACK_MS = 12_000  # a whole sentence plays in about this long, within the clamps below
FRAME_MS = (60, 500)


def frame_ms(n_tokens: int) -> int:
    """Milliseconds per frame so that a text of n tokens plays in about PLAYBACK_MS."""
    return int(min(max(PLAYBACK_MS / n_tokens, FRAME_MS[0]), FRAME_MS[1]))


STILL = {"duration": 0, "redraw": False}


def slider_steps(labels: list[str]) -> list[dict]:
    """One slider step per label, each jumping to its frame ("1", "2", ...) without a redraw."""
    return [
        {
            "label": label,
            "method": "animate",
            "args": [
                [str(k)],
                {"frame": STILL, "transition": {"duration": 0}, "mode": "immediate"},
            ],
        }
        for k, label in enumerate(labels, start=1)
    ]


def play_buttons(milliseconds: int, y: float = -0.2) -> dict:
    """▶ Play and ❚❚ Pause buttons below a figure, for frames drawn without a redraw."""
    return {
        "type": "buttons",
        "direction": "left",
        "x": 0.0,
        "y": y,
        "xanchor": "left",
        "yanchor": "top",
        "pad": {"t": 0, "r": 10},
        "showactive": False,
        "buttons": [
            {
                "label": "▶ Play",
                "method": "animate",
                "args": [
                    None,
                    {
                        "frame": {"duration": milliseconds, "redraw": False},
                        "transition": {"duration": 0},
                        "fromcurrent": False,
                        "mode": "immediate",
                    },
                ],
            },
            {
                "label": "❚❚ Pause",
                "method": "animate",
                "args": [
                    [None],
                    {"frame": STILL, "transition": {"duration": 0}, "mode": "immediate"},
                ],
            },
        ],
    }
