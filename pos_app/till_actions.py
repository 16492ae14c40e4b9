"""The one registry of till actions: what a person can do at the till, on which key, who may,
and where it is shown (the till's button bar, the tablet bar, the menu).

The store app builds everything from this table: its shortcuts (ui.till_actions_qt.bind), the
till's button bar and the tablet bar, and the F1 help overlay (ui.help_overlay). So a key and
its help text cannot drift apart: a shortcut that is not here is not bound (a test walks the
running app and the sources to prove it), and no two actions share a key where they can both
fire (CONTEXT_GROUPS).

Keys are written in Qt's portable text ("Ctrl+Shift+U", "F12"), so the Qt-free core can
compare them as strings; a test checks that Qt reads each one back to the same text.

Some of the keys people already know are also bound by Qt's line edits (on X11/xcb the
emacs-style Ctrl+U "delete line", Ctrl+K, Ctrl+H ...; everywhere Ctrl+Delete "delete word",
Ctrl+Shift+Z "redo"). They stay, flagged `needs_override`: the till's fields ask
`is_till_action` in their ShortcutOverride filter and let the window's shortcut have the key.

Pure data and lookups, no Qt: any thread.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pos_app.i18n import N_, t, t_marked

# Where an action's key is live. "window": the main window (log-in screen and till);
# "till": the till screen (on while it is shown, inside the same window); "payment": the
# payment dialog; "card": the card panel of the payment dialog; "returns": the returns dialog;
# "dialog": any of the till's list dialogs; "field": handled by the scan field itself (no
# shortcut object; listed so that help shows it); "login": the log-in screen only.
CONTEXTS = ("window", "till", "payment", "card", "returns", "dialog", "field", "login")
# Contexts whose keys can fire at the same moment: a key may be in only one action per group.
CONTEXT_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"window", "till", "field"}),
    frozenset({"payment", "card"}),
    frozenset({"returns"}),
    frozenset({"dialog"}),
    frozenset({"login"}),
)
PLACES = ("till_bar", "tablet", "menu")
ROLES = ("all", "manager")  # manager: a cashier is asked for a manager's PIN first

# Keys that Qt's QLineEdit binds for itself on some platform (QKeySequence standard keys and
# the X11 emacs-style bindings), so a shortcut on them never fires while a field has focus
# unless the field's ShortcutOverride is refused.
LINE_EDIT_KEYS = frozenset({
    "Ctrl+A", "Ctrl+B", "Ctrl+C", "Ctrl+D", "Ctrl+E", "Ctrl+F", "Ctrl+H", "Ctrl+K", "Ctrl+N", "Ctrl+P",
    "Ctrl+U", "Ctrl+V", "Ctrl+W", "Ctrl+X", "Ctrl+Y", "Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Ins", "Shift+Ins",
    "Shift+Del", "Ctrl+Del", "Ctrl+Backspace", "Del", "Backspace", "Home", "End", "Left", "Right",
})


@dataclass(frozen=True)
class TillAction:
    """One thing a person does at the till. `label` is the button text, `help` the sentence in
    the F1 overlay (both German message ids; `label_text`/`help_text` give them in the active
    language). `keys`: the first is shown, the others are aliases (Shift+Return/Shift+Enter)."""

    name: str
    keys: tuple[str, ...]
    label: str
    help: str
    context: str = "window"
    role: str = "all"
    places: frozenset[str] = field(default_factory=frozenset)

    @property
    def key(self) -> str:
        return self.keys[0] if self.keys else ""

    @property
    def needs_override(self) -> bool:
        return any(k in LINE_EDIT_KEYS for k in self.keys) and self.context in ("window", "till")

    def label_text(self) -> str:
        return t_marked(self.label)

    def help_text(self) -> str:
        return t_marked(self.help)


def _a(name: str, keys: str | tuple[str, ...], label: str, help: str, context: str = "window",
       role: str = "all", places: Iterable[str] = ()) -> TillAction:
    return TillAction(name, (keys,) if isinstance(keys, str) else keys, label, help, context, role,
                      frozenset(places))


_BAR = ("till_bar",)
# The order is the order of the till's button bar and of the help table.
ACTIONS: tuple[TillAction, ...] = (
    # the till screen's own keys (ui.till_view); the first ten make the button bar
    _a("help", "F1", N_("Hilfe"), N_("Alle Tasten und Aktionen zeigen (diese Übersicht)"), "till", places=_BAR),
    _a("search", "F2", N_("Suchen"), N_("Ins Such- und Scanfeld springen"), "till", places=_BAR),
    _a("quantity", "F3", N_("Menge"), N_("Menge der gewählten Position ändern"), "till", places=("till_bar", "tablet")),
    _a("line_discount", "F4", N_("Pos.-Rabatt"), N_("Rabatt auf die gewählte Position"), "till", places=_BAR),
    _a("cart_discount", "F5", N_("Bon-Rabatt"), N_("Rabatt auf den ganzen Bon"), "till", places=_BAR),
    _a("price", "F6", N_("Preis ändern"), N_("Preis der gewählten Position ändern (mit Grund)"), "till", places=_BAR),
    _a("park", "F7", N_("Parken"), N_("Bon parken, um eine andere Kundin zu bedienen"), "till", places=_BAR),
    _a("parked", "F8", N_("Geparkte Bons"), N_("Einen geparkten Bon zurückholen"), "till", places=_BAR),
    _a("journal", "F9", N_("Belege"), N_("Letzte Bons ansehen und nachdrucken"), "till", places=_BAR),
    _a("pay", "F12", N_("Zahlung"), N_("Bezahlen: bar, Karte oder Gutschein"), "till", places=_BAR),
    _a("quantity_up", ("Ctrl++", "Ctrl+="), N_("Menge +1"), N_("Menge der gewählten Position um eins erhöhen"), "till"),
    _a("quantity_down", "Ctrl+-", N_("Menge −1"), N_("Menge der gewählten Position um eins verringern"), "till"),
    _a("void", "Ctrl+Del", N_("Bon stornieren"), N_("Den ganzen offenen Bon stornieren"), "till"),
    _a("lock", "Ctrl+L", N_("Sperren"), N_("Kasse sperren (der offene Bon bleibt erhalten)"), "till"),
    _a("remove_line", "Del", N_("Position entfernen"),
       N_("Gewählte Position entfernen (bei leerem Suchfeld)"), "field"),
    _a("clear_entry", "Esc", N_("Feld leeren"), N_("Such- und Scanfeld leeren"), "field"),
    # the main window (ui.main_window and its glue modules)
    _a("retry_printing", "F11", N_("Ungedruckte Bons drucken"), N_("Bons, die nicht gedruckt wurden, erneut drucken")),
    _a("sync_now", "Ctrl+S", N_("Jetzt abgleichen"), N_("Jetzt mit der Zentrale abgleichen"), places=("menu",)),
    _a("conflicts", "Ctrl+K", N_("Konflikte"), N_("Abgleich-Konflikte ansehen und entscheiden"), role="manager",
       places=("menu",)),
    _a("tse_status", "Ctrl+Shift+T", N_("TSE-Status"),
       N_("Zustand der TSE (Signatureinheit) zeigen"), places=("menu",)),
    _a("dsfinvk_export", "Ctrl+Shift+E", N_("DSFinV-K-Export"), N_("Kassendaten für die Prüfung exportieren"),
       role="manager", places=("menu",)),
    _a("returns", "Ctrl+R", N_("Rücknahme / Umtausch"), N_("Rücknahme oder Umtausch mit Bon"), places=("menu",)),
    _a("blind_return", "Ctrl+Shift+R", N_("Rücknahme ohne Beleg"), N_("Rücknahme ohne Bon (mit Freigabe)"),
       role="manager", places=("menu",)),
    _a("voucher", "Ctrl+G", N_("Gutschein"), N_("Gutschein prüfen und Restwert zeigen"), places=("menu",)),
    _a("open_shift", "Ctrl+Shift+O", N_("Kasse öffnen"), N_("Kasse öffnen mit Anfangsbestand"), role="manager",
       places=("menu",)),
    _a("cash_movement", "Ctrl+P", N_("Ein-/Auszahlung"),
       N_("Einlage, Entnahme oder Abschöpfung buchen"), role="manager",
       places=("menu",)),
    _a("x_report", "Ctrl+Shift+X", N_("X-Bericht"), N_("Zwischenbericht der offenen Kasse"), role="manager",
       places=("menu",)),
    _a("close_day", "Ctrl+Shift+Z", N_("Tagesabschluss"),
       N_("Tagesabschluss mit Kassenzählung (Z-Bon)"), role="manager",
       places=("menu",)),
    _a("audit", "Ctrl+Shift+A", N_("Protokoll"),
       N_("Protokoll (Audit-Trail) ansehen"), role="manager", places=("menu",)),
    _a("pickup_queue", "Ctrl+Shift+P", N_("Abholaufträge"), N_("Abholaufträge (Click & Collect) der Filiale"),
       places=("menu",)),
    _a("pickup_handover", "Ctrl+H", N_("Abholung ausgeben"), N_("Einen Abholauftrag an die Kundin ausgeben"),
       places=("menu",)),
    _a("reserve", "Ctrl+Shift+H", N_("Reservieren"), N_("Einen Artikel für eine Kundin reservieren"), places=("menu",)),
    _a("customer_find", "Ctrl+U", N_("Kunde suchen"), N_("Kundin suchen und Profil öffnen"), places=("tablet", "menu")),
    _a("customer_new", "Ctrl+Shift+U", N_("Neuer Kunde"), N_("Neue Kundin anlegen"), places=("tablet", "menu")),
    _a("web_cart", "Ctrl+Shift+W", N_("Web-Warenkorb"), N_("Den Web-Warenkorb der Kundin in den Bon holen"),
       places=("tablet", "menu")),
    _a("stock", "Ctrl+I", N_("Bestand alle Filialen"), N_("Bestand eines Artikels in allen Filialen"),
       places=("tablet", "menu")),
    _a("camera", "Ctrl+B", N_("Kamera-Scan"), N_("Scannen mit der Kamera ein oder aus"), places=("menu",)),
    _a("no_sale", "Ctrl+D", N_("Kassenlade öffnen"),
       N_("Kassenlade ohne Verkauf öffnen (mit Grund)"), places=("menu",)),
    _a("test_page", "Ctrl+T", N_("Testseite"), N_("Testseite auf dem Bondrucker drucken"), places=("menu",)),
    _a("devices", "Ctrl+Shift+D", N_("Geräte"), N_("Geräte einrichten (Drucker, Kamera, Terminal)"), role="manager",
       places=("menu",)),
    # stock between stores (ui.transfer_glue, ui.fulfilment_glue; issue 14)
    _a("transfers", "Ctrl+Shift+F", N_("Filialtransfers"),
       N_("Transfers zwischen Filialen: Anfragen, Kommissionieren, Versenden, Einscannen"),
       places=("menu",)),
    _a("endless_aisle", "Ctrl+Shift+K", N_("Kundenbestellung"),
       N_("Artikel, der hier fehlt, aus einer anderen Filiale oder dem Lager verkaufen"),
       places=("menu",)),
    _a("ship_from_store", "Ctrl+Shift+V", N_("Versand aus der Filiale"),
       N_("Bestellungen, die diese Filiale verschickt: kommissionieren, packen, versenden"),
       places=("menu",)),
    _a("goods_receipt", "Ctrl+Shift+L", N_("Wareneingang"),
       N_("Lieferung per Scan annehmen und buchen (auch ohne Avis: Marktleitung)"),
       places=("menu", "tablet")),
    _a("stock_adjustment", "Ctrl+Shift+B", N_("Bestandskorrektur"),
       N_("Bruch, Diebstahl, Eigenverbrauch abschreiben oder Fund buchen"),
       places=("menu",)),
    _a("stock_count", "Ctrl+Shift+N", N_("Inventur"),
       N_("Inventur mit dem Scanner: starten, zählen, Differenzen freigeben"),
       places=("menu", "tablet")),
    _a("coupon", "Ctrl+Shift+C", N_("Aktions-Code"),
       N_("Einen Aktions- oder Gutscheincode für den Bon eingeben"), "till",
       places=("menu",)),
    # gift cards and shelf labels (ui.gift_card_dialog, ui.label_dialog; issue 15)
    _a("gift_card_sale", "Ctrl+Shift+G", N_("Geschenkgutschein verkaufen"),
       N_("Einen Geschenkgutschein bar verkaufen und drucken"),
       places=("menu",)),
    _a("shelf_labels", "Ctrl+Shift+Y", N_("Regaletiketten"),
       N_("Regaletiketten mit Preis, Grundpreis und Barcode drucken"),
       places=("menu",)),
    # the payment dialog (ui.payment_dialog)
    _a("pay_card", "F10", N_("Karte"), N_("Kartenzahlung starten"), "payment"),
    _a("pay_voucher", "Ctrl+G", N_("Gutschein einlösen"), N_("Zum Feld für den Gutscheincode"), "payment"),
    _a("no_paper", "Ctrl+Shift+D", N_("Kein Papierbon"), N_("Nur digitaler Beleg (QR-Code) ein oder aus"), "payment"),
    _a("pay_partial", ("Shift+Return", "Shift+Enter"), N_("Teilbetrag bar"),
       N_("Den Betrag als Teilzahlung bar buchen"),
       "payment"),
    _a("quick_amount_1", "F1", N_("Betrag 1"), N_("Ersten Schnellbetrag übernehmen"), "payment"),
    _a("quick_amount_2", "F2", N_("Betrag 2"), N_("Zweiten Schnellbetrag übernehmen"), "payment"),
    _a("quick_amount_3", "F3", N_("Betrag 3"), N_("Dritten Schnellbetrag übernehmen"), "payment"),
    _a("quick_amount_4", "F4", N_("Betrag 4"), N_("Vierten Schnellbetrag übernehmen"), "payment"),
    _a("card_approved", "J", N_("Genehmigt"), N_("Kartenzahlung am Terminal genehmigt (ohne Anbindung)"), "card"),
    _a("card_declined", "N", N_("Abgelehnt"), N_("Kartenzahlung am Terminal abgelehnt (ohne Anbindung)"), "card"),
    # other dialogs
    _a("book_return", "Ctrl+Return", N_("Rücknahme buchen"), N_("Die Rücknahme buchen"), "returns"),
    _a("close_dialog", "Esc", N_("Schließen"), N_("Den offenen Dialog schließen"), "dialog"),
    _a("print_labels", "F10", N_("Etiketten drucken"), N_("Die gewählten Regaletiketten drucken"), "dialog"),
    _a("book_delivery", "Ctrl+Return", N_("Wareneingang buchen"), N_("Die gescannte Lieferung buchen"), "dialog"),
    # the log-in screen (ui.login_view)
    _a("language", "Ctrl+Shift+L", N_("Sprache"), N_("Sprache der Anzeige wechseln (für die gewählte Person gemerkt)"),
       "login"),
)
_BY_NAME = {a.name: a for a in ACTIONS}
# the contexts whose keys are bound by QShortcut objects (the "field" keys are the field's own)
BOUND_CONTEXTS = frozenset(CONTEXTS) - {"field"}
TILL_CONTEXTS = frozenset({"window", "till"})


def action(name: str) -> TillAction:
    """The action called `name`; KeyError for a name that is not registered (a typo in ui)."""
    return _BY_NAME[name]


def actions_in(*contexts: str) -> list[TillAction]:
    return [a for a in ACTIONS if a.context in contexts]


def shown_in(place: str) -> list[TillAction]:
    """The actions with a button in `place` ("till_bar", "tablet", "menu"), in registry order."""
    return [a for a in ACTIONS if place in a.places]


def is_till_action(key: str, contexts: Iterable[str] = TILL_CONTEXTS) -> bool:
    """Is `key` (Qt portable text, e.g. "Ctrl+U") a shortcut of an action in `contexts`? The
    till's fields ask this in their ShortcutOverride filter: yes means the field must not take
    the key, so the window's shortcut fires."""
    wanted = set(contexts) & BOUND_CONTEXTS
    return any(key in a.keys for a in ACTIONS if a.context in wanted)


def override_keys(contexts: Iterable[str] = TILL_CONTEXTS) -> frozenset[str]:
    """The keys of `contexts` that a line edit would otherwise swallow."""
    wanted = set(contexts) & BOUND_CONTEXTS
    return frozenset(k for a in ACTIONS if a.context in wanted for k in a.keys if k in LINE_EDIT_KEYS)


def key_clashes() -> list[tuple[str, str, str]]:
    """(key, action, action) for every key two actions share in one context group; empty when
    the registry is sound (a test holds it to that)."""
    clashes = []
    for group in CONTEXT_GROUPS:
        seen: dict[str, str] = {}
        for a in ACTIONS:
            if a.context not in group:
                continue
            for k in a.keys:
                if k in seen:
                    clashes.append((k, seen[k], a.name))
                seen[k] = a.name
    return clashes


# How keys are shown to a German-speaking person (Qt's native text would depend on the locale).
_KEY_WORDS = {"Ctrl": N_("Strg"), "Shift": N_("Umschalt"), "Del": N_("Entf"), "Return": N_("Enter"), "Esc": N_("Esc"),
              "Ins": N_("Einfg")}


def key_label(key: str) -> str:
    """"Ctrl+Shift+U" -> "Strg+Umschalt+U" (the till's keyboard labels)."""
    if key.endswith("++"):
        return key_label(key[:-2]) + "++"
    return "+".join(t_marked(_KEY_WORDS[p]) if p in _KEY_WORDS else p for p in key.split("+"))


def keys_label(a: TillAction) -> str:
    """All keys of `a` for the help table ("Strg++ / Strg+=")."""
    return " / ".join(dict.fromkeys(key_label(k) for k in a.keys))


_WHERE = {"window": N_("Überall"), "till": N_("Kasse"), "field": N_("Suchfeld"), "payment": N_("Zahlung"),
          "card": N_("Zahlung (Karte)"), "returns": N_("Rücknahme"), "dialog": N_("Dialoge"), "login": N_("Anmeldung")}


def where_label(a: TillAction) -> str:
    """Where the key works, in words, for the help table."""
    return t_marked(_WHERE[a.context])


def help_rows(query: str = "", manager: bool = True) -> list[tuple[str, str, str, str]]:
    """(action, keys, where, help) rows of the F1 overlay, filtered by `query` (any word of any
    column, case-insensitive); `manager` False marks manager actions in the help text."""
    words = query.casefold().split()
    rows = []
    for a in ACTIONS:
        help_text = a.help_text()
        if a.role == "manager" and not manager:
            help_text = t("{text} (Freigabe der Marktleitung)", text=help_text)
        row = (a.label_text(), keys_label(a), where_label(a), help_text)
        haystack = " ".join(row).casefold() + " " + " ".join(a.keys).casefold()
        if all(w in haystack for w in words):
            rows.append(row)
    return rows
