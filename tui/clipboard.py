"""The one clipboard helper: OSC 52 through the terminal (reaches your own machine over
SSH), and pyperclip where this machine has a clipboard of its own."""

from __future__ import annotations

LIMIT = 100_000  # characters; past this, an export is the better tool


def copy(app, text: str, what: str) -> bool:
    """Send `text` to the clipboard and tell the user, honestly, what happened."""
    if len(text) > LIMIT:
        app.notify(
            f"{what} is {len(text):,} characters: too much for the clipboard. Export it instead (e).",
            severity="warning",
        )
        return False
    app.copy_to_clipboard(text)
    local = False
    try:
        import pyperclip

        pyperclip.copy(text)
        local = True
    except Exception:  # no local clipboard (a server without a display): OSC 52 only
        pass
    how = "terminal clipboard (OSC 52)" + (" and local clipboard" if local else "")
    app.notify(f"Copied {what} ({len(text):,} characters) to the {how}.")
    return True
