"""The PySide6 store app: windows, dialogs, Qt models and the bootstrap. Thin: the work is
done by pos_app, hardware and sync."""
