"""Qt's own texts (standard dialog buttons, line-edit context menus) in the active language.

Our texts come from pos_app.i18n (PO catalogs, Qt-free); Qt's come from the qtbase catalogs
that PySide6-Essentials ships in QLibraryInfo's translations path (qtbase_de.qm, qtbase_en.qm).
Qt's source language is English, so German needs qtbase_de and English needs none.
Thread: the UI thread.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from pos_app.i18n import SOURCE_LANGUAGE, active_language
from pos_app.i18n.formats import babel_locale

_installed: QTranslator | None = None


def install_qt_translator(language: str | None = None) -> bool:
    """Load Qt's catalog for `language` (default: the active one); False if Qt ships none."""
    global _installed
    app = QCoreApplication.instance()
    language = language or active_language()
    if app is None:
        return False
    if _installed is not None:
        app.removeTranslator(_installed)
        _installed = None
    QLocale.setDefault(QLocale(babel_locale(language)))  # spin boxes, date edits: the locale's digits
    if language == "en" and SOURCE_LANGUAGE != "en":
        return True  # Qt's own texts are English
    translator = QTranslator(app)
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(f"qtbase_{language}", path):
        return False
    app.installTranslator(translator)
    _installed = translator
    return True


def remove_qt_translator() -> None:
    """Back to Qt's built-in (English) texts (tests that must leave the application as found)."""
    global _installed
    app = QCoreApplication.instance()
    if app is not None and _installed is not None:
        app.removeTranslator(_installed)
    _installed = None
