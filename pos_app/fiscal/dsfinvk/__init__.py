"""The DSFinV-K export (Digitale Schnittstelle der Finanzverwaltung für Kassensysteme)."""
from pos_app.fiscal.dsfinvk.closing import CashClosing
from pos_app.fiscal.dsfinvk.export import ExportError, ExportResult, export

__all__ = ["CashClosing", "ExportError", "ExportResult", "export"]
