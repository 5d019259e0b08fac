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


TLP_MEANING = {
    Tlp.RED: "For the eyes and ears of the named recipients only; no further disclosure.",
    Tlp.AMBER_STRICT: "Limited disclosure: the recipient's own organisation only.",
    Tlp.AMBER: "Limited disclosure: the recipient's organisation and its clients, on a need-to-know basis.",
    Tlp.GREEN: "Limited disclosure: the recipient's community; not via publicly accessible channels.",
    Tlp.CLEAR: "Disclosure is not limited.",
}
