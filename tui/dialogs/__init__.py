"""Modal dialogs, each a typed ModalScreen[T] that returns its answer with dismiss()."""

from tui.dialogs.columns import ColumnsScreen
from tui.dialogs.delete import DeleteScreen
from tui.dialogs.export import EXPORT_KINDS, ExportRequest, ExportScreen
from tui.dialogs.help import HelpScreen
from tui.dialogs.pick import PickScreen
from tui.dialogs.questions import ConfirmScreen, PromptScreen

__all__ = [
    "ColumnsScreen", "ConfirmScreen", "DeleteScreen", "EXPORT_KINDS", "ExportRequest", "ExportScreen", "HelpScreen",
    "PickScreen", "PromptScreen",
]
