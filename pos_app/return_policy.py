"""The return policy: one set of rules for every channel (stores and web shop), kept at the
center and synced to the stores through the change feed (change kind "policy", key "returns").

Pure (no I/O): the till checks a return against it, and the center uses the same code for its
defaults and for what it serves, so the rules cannot drift apart between channels.

What it says:
- `window_days`: how long after the purchase an item may come back (per category it may be
  shorter or longer: `category_rules`);
- final-sale items (`final_sale_product_ids`, `final_sale_categories`): never returnable;
- reason codes; the one with `needs_text` ("sonstiges") needs a few words from the cashier;
- `refund_as_store_credit`: refunds go onto a voucher instead of the original tender;
- blind returns (no receipt): allowed or not, how many days back the "lowest price" looks, and
  how much store credit one customer may get that way within `blind_limit_days`.

Thread: any (frozen values).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from pos_app import limits
from pos_app.clock import local_date
from pos_app.i18n import N_, t

POLICY_KEY = "returns"  # the change feed's key of the policy


class PolicyError(ValueError):
    """A return the policy does not allow; the message is for the cashier (German)."""


@dataclass(frozen=True)
class PolicyBreach:
    """Why one item may not come back under the policy: `kind` is "final_sale" or "window"."""

    product_id: int
    kind: str
    message: str


@dataclass(frozen=True)
class ReasonCode:
    code: str
    label: str
    needs_text: bool = False


@dataclass(frozen=True)
class CategoryRule:
    category: str
    window_days: int | None = None  # None: the general window
    returnable: bool = True


@dataclass(frozen=True)
class ReturnPolicy:
    window_days: int = 30
    final_sale_product_ids: frozenset[int] = frozenset()
    final_sale_categories: frozenset[str] = frozenset()
    category_rules: tuple[CategoryRule, ...] = ()
    reason_codes: tuple[ReasonCode, ...] = ()
    refund_as_store_credit: bool = False
    blind_returns_allowed: bool = True
    blind_price_days: int = 30
    blind_limit_cents: int = 100_00
    blind_limit_days: int = 365
    version: int = 1
    updated_at: str = ""
    _rules: dict[str, CategoryRule] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.window_days < 0 or self.blind_price_days < 0 or self.blind_limit_cents < 0:
            raise ValueError("return policy: days and limits must not be negative")
        object.__setattr__(self, "_rules", {r.category: r for r in self.category_rules})

    # ---- the checks ---------------------------------------------------------------------

    def window_for(self, category: str) -> int:
        rule = self._rules.get(category)
        return rule.window_days if rule is not None and rule.window_days is not None else self.window_days

    def is_final_sale(self, product_id: int, category: str) -> bool:
        rule = self._rules.get(category)
        return (product_id in self.final_sale_product_ids or category in self.final_sale_categories
                or (rule is not None and not rule.returnable))

    def breach(self, product_id: int, name: str, category: str, purchased_at: datetime,
               at: datetime) -> PolicyBreach | None:
        """The one judgement of the window and final-sale rules, for till and center alike:
        None when the item may come back at `at`. `at` is a trusted time (the till: its clock
        corrected by the center's offset; the center: backend.trusted_time.event_time) and
        `purchased_at` the purchase's time as the center recorded it."""
        if self.is_final_sale(product_id, category):
            return PolicyBreach(product_id, "final_sale", t("„{name}“ ist vom Umtausch ausgeschlossen (Endverkauf/{value}).", name=name, value=category or 'Artikel'))
        days = self.window_for(category)
        if _utc(at) - _utc(purchased_at) > timedelta(days=days):
            return PolicyBreach(product_id, "window", t("„{name}“: Rückgabefrist von {days} Tagen ist abgelaufen (gekauft am {local_date}).", name=name, days=days, local_date=local_date(purchased_at)))
        return None

    def check_item(self, product_id: int, name: str, category: str, purchased_at: datetime,
                   now: datetime) -> None:
        """Raise PolicyError when this item may not come back (final sale, window over)."""
        if (found := self.breach(product_id, name, category, purchased_at, now)) is not None:
            raise PolicyError(found.message)

    def footer_lines(self) -> tuple[str, ...]:
        """What a sale receipt says about returns, from this policy (not a literal): the
        general window, categories with their own window, final-sale categories."""
        lines = [f"Umtausch binnen {self.window_days} Tagen mit Beleg."]
        for rule in sorted(self.category_rules, key=lambda r: r.category):
            if rule.returnable and rule.window_days is not None and rule.window_days != self.window_days:
                lines.append(f"{rule.category}: {rule.window_days} Tage.")
        excluded = sorted(self.final_sale_categories | {r.category for r in self.category_rules if not r.returnable})
        if excluded:
            lines.append(f"Vom Umtausch ausgeschlossen: {', '.join(excluded)}.")
        return tuple(lines)

    def reason(self, code: str) -> ReasonCode:
        for reason in self.reason_codes:
            if reason.code == code:
                return reason
        raise PolicyError(t("Unbekannter Rückgabegrund „{code}“.", code=code))

    def check_reason(self, code: str, text: str) -> None:
        reason = self.reason(code)
        if reason.needs_text and len(text.strip()) < 3:
            raise PolicyError(t("Grund „{label}“: bitte kurz beschreiben (mindestens 3 Zeichen).", label=reason.label))
        try:  # the protocol's bound for the return line's reason_text
            limits.check_text(text.strip(), f"Grund „{reason.label}“", limits.REASON_TEXT)
        except limits.LimitError as exc:
            raise PolicyError(str(exc)) from None

    # ---- wire form (the feed's data and the center's table) -------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "window_days": self.window_days,
            "final_sale_product_ids": sorted(self.final_sale_product_ids),
            "final_sale_categories": sorted(self.final_sale_categories),
            "category_rules": [{"category": r.category, "window_days": r.window_days, "returnable": r.returnable}
                               for r in self.category_rules],
            "reason_codes": [{"code": r.code, "label": r.label, "needs_text": r.needs_text}
                             for r in self.reason_codes],
            "refund_as_store_credit": self.refund_as_store_credit,
            "blind_returns_allowed": self.blind_returns_allowed,
            "blind_price_days": self.blind_price_days,
            "blind_limit_cents": self.blind_limit_cents,
            "blind_limit_days": self.blind_limit_days,
            "version": self.version,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ReturnPolicy":
        try:
            return cls(
                window_days=int(data["window_days"]),
                final_sale_product_ids=frozenset(int(p) for p in data.get("final_sale_product_ids", ())),
                final_sale_categories=frozenset(str(c) for c in data.get("final_sale_categories", ())),
                category_rules=tuple(CategoryRule(str(r["category"]), None if r.get("window_days") is None
                                                  else int(r["window_days"]), bool(r.get("returnable", True)))
                                     for r in data.get("category_rules", ())),
                reason_codes=tuple(ReasonCode(str(r["code"]), str(r["label"]), bool(r.get("needs_text", False)))
                                   for r in data.get("reason_codes", ())),
                refund_as_store_credit=bool(data.get("refund_as_store_credit", False)),
                blind_returns_allowed=bool(data.get("blind_returns_allowed", True)),
                blind_price_days=int(data.get("blind_price_days", 30)),
                blind_limit_cents=int(data.get("blind_limit_cents", 100_00)),
                blind_limit_days=int(data.get("blind_limit_days", 365)),
                version=int(data.get("version", 1)),
                updated_at=str(data.get("updated_at", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"return policy unreadable: {exc!r}") from exc


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


OTHER_REASON = "sonstiges"

DEFAULT_POLICY = ReturnPolicy(
    window_days=30,
    final_sale_categories=frozenset({"Feinkost"}),  # food: hygiene, never back on the shelf
    category_rules=(CategoryRule("Sofas", window_days=14),),  # bulky goods: two weeks
    reason_codes=(
        ReasonCode("gefaellt_nicht", N_("Gefällt nicht")),
        ReasonCode("passt_nicht", N_("Passt nicht / falsche Größe")),
        ReasonCode("defekt", N_("Defekt / beschädigt")),
        ReasonCode("falsch_geliefert", N_("Falscher Artikel geliefert")),
        ReasonCode(OTHER_REASON, N_("Sonstiges"), needs_text=True),
    ),
)
