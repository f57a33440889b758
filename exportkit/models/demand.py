"""An overseas demand, as a respondent stated it in the market-demand survey."""

from __future__ import annotations

from dataclasses import dataclass

from exportkit.models.common import Text


@dataclass(frozen=True, slots=True)
class Coded:
    """A coded answer (an option value such as ``halal``) with its bilingual label."""

    id: str
    label: Text


@dataclass(frozen=True, slots=True)
class Contact:
    """Who to talk to at the respondent; shared with firms only with the respondent's consent."""

    name: str
    email: str | None = None
    phone: str | None = None
    website: str | None = None


@dataclass(frozen=True, slots=True)
class Demand:
    """One respondent's demand: what it seeks, in which market, on which terms.

    ``id`` is unique within a run (from the workbook's file name). ``country`` is an ISO3 code of
    one of the 18 New Southbound markets, ``country_name`` its names. ``certifications`` are ids
    of the shared certification vocabulary (the firm questionnaire uses the same ones);
    ``certifications_other`` names any requirement outside that list, to be checked by hand.
    ``annual_volume_usd`` is the respondent's estimate of the yearly value (None: not given).
    """

    id: str
    file: str
    organisation: str
    respondent_type: Coded
    country: str
    country_name: Text
    products: str
    industry: Coded | None = None
    hs_codes: tuple[str, ...] = ()
    annual_volume_usd: float | None = None
    quantity: str | None = None
    price_band: Coded | None = None
    partnerships: tuple[Coded, ...] = ()
    timing: Coded | None = None
    certifications: tuple[Coded, ...] = ()
    certifications_other: str | None = None
    supplier_experience: Coded | None = None
    notes: str | None = None
    city: str | None = None
    contact: Contact | None = None
    consent_to_share: bool = False
    # how client-facing documents (briefs, the meeting plan) name the respondent: the
    # organisation with consent, else an anonymous description ("a buyer in Thailand")
    display_name: Text | None = None
    lang: str = "en"

    def shown(self, lang: str) -> str:
        """The respondent's name as a firm may read it (see ``display_name``)."""
        if self.display_name is not None:
            return self.display_name.get(lang)
        return self.organisation if self.consent_to_share else self.respondent_type.label.get(lang)
