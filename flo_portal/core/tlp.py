"""Traffic Light Protocol 2.0: the one definition of the labels every feature marks with."""

from __future__ import annotations

from enum import StrEnum


class Tlp(StrEnum):
    """Traffic Light Protocol 2.0 labels."""

    RED = "TLP:RED"
    AMBER_STRICT = "TLP:AMBER+STRICT"
    AMBER = "TLP:AMBER"
    GREEN = "TLP:GREEN"
    CLEAR = "TLP:CLEAR"

    @property
    def label(self) -> str:
        return self.value

    @property
    def css(self) -> str:
        return "tlp-" + self.value.split(":")[1].replace("+", "-")

    @property
    def meaning(self) -> str:
        return TLP_MEANING[self]

    @property
    def colour(self) -> str:
        """The label's text colour (TLP 2.0: printed on a black background, ``TLP_BACKGROUND``)."""
        return TLP_COLOUR[self]


TLP_MEANING = {
    Tlp.RED: "For the eyes and ears of the named recipients only; no further disclosure.",
    Tlp.AMBER_STRICT: "Limited disclosure: the recipient's own organisation only.",
    Tlp.AMBER: "Limited disclosure: the recipient's organisation and its clients, on a need-to-know basis.",
    Tlp.GREEN: "Limited disclosure: the recipient's community; not via publicly accessible channels.",
    Tlp.CLEAR: "Disclosure is not limited.",
}


# FIRST's TLP 2.0 colours: the label's text in this colour on a black background (print
# and screen alike; static/css/app.css uses the same values for the banners).
TLP_BACKGROUND = "#000000"
TLP_COLOUR = {
    Tlp.RED: "#FF2B2B",
    Tlp.AMBER_STRICT: "#FFC000",
    Tlp.AMBER: "#FFC000",
    Tlp.GREEN: "#33FF00",
    Tlp.CLEAR: "#FFFFFF",
}


# The one rule for what marked text may leave the portal by e-mail. Mail passes through
# relays and mailboxes the center does not control, so it may carry a marked object's
# own words (its title, summary, question) only where the label allows disclosure beyond
# the recipient's organisation: TLP:CLEAR and TLP:GREEN (the recipient's community). For
# TLP:AMBER, TLP:AMBER+STRICT and TLP:RED the e-mail says only the reference, the label
# and a link to sign in; the text stays in the portal.
EMAIL_MAY_CARRY_TEXT = frozenset({Tlp.CLEAR, Tlp.GREEN})


def email_may_carry_text(tlp: str | Tlp) -> bool:
    """Whether an e-mail about an object marked ``tlp`` may carry the object's text."""
    try:
        return Tlp(tlp) in EMAIL_MAY_CARRY_TEXT
    except ValueError:
        return False  # an unknown or missing marking is treated as the strictest
