"""Devices: the keyboard-wedge scanner's timing logic, receipt printers, the cash drawer.
No Qt here; the Qt glue lives in ui/."""
