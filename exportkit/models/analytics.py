"""Results of the trade analytics (issue 7): gravity, export potential, demand trends.

Plain frozen dataclasses: the analytics functions are pure and return these; the CLI, the
market ranking and the reports only read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exportkit.models.common import Text

BENCHMARK_LABEL = Text(zh_TW="基準值，並非預測", en="a benchmark, not a forecast")


@dataclass(frozen=True, slots=True)
class Coefficient:
    """One regressor's estimate with its standard error, z statistic and two-sided p-value."""

    name: str
    estimate: float
    std_error: float
    z: float
    p_value: float


@dataclass(frozen=True, slots=True)
class Diagnostics:
    """What the estimator had to do to the data and how the fit went, as data.

    ``dropped_collinear`` names regressors removed because they are perfectly collinear with
    the fixed effects or earlier regressors; ``zero_groups_dropped`` counts fixed-effect groups
    whose trade is zero throughout (their effect would be minus infinity) and
    ``zero_group_obs_dropped`` the rows they held; ``separated_obs`` counts zero-trade rows
    perfectly predicted by the regressors and fixed effects (Correia, Guimarães & Zylkin 2021
    linear-programming check), which are dropped before the fit.
    """

    converged: bool
    iterations: int
    deviance: float
    deviance_change: float  # relative change at the last iteration
    dropped_collinear: tuple[str, ...] = ()
    zero_groups_dropped: int = 0
    zero_group_obs_dropped: int = 0
    separated_obs: int = 0
    separation_checked: bool = True
    missing_obs_dropped: int = 0
    fe_levels: dict[str, int] = field(default_factory=dict)
    fe_rank: int = 0
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The diagnostics as JSON-ready data."""
        return {
            "converged": self.converged,
            "iterations": self.iterations,
            "deviance": self.deviance,
            "deviance_change": self.deviance_change,
            "dropped_collinear": list(self.dropped_collinear),
            "zero_groups_dropped": self.zero_groups_dropped,
            "zero_group_obs_dropped": self.zero_group_obs_dropped,
            "separated_obs": self.separated_obs,
            "separation_checked": self.separation_checked,
            "missing_obs_dropped": self.missing_obs_dropped,
            "fe_levels": dict(self.fe_levels),
            "fe_rank": self.fe_rank,
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class GravityResult:
    """A PPML gravity fit: coefficients, covariance, fit statistics and diagnostics.

    ``cov`` is the covariance matrix of ``coefficients`` (same order). ``fixed_effects`` maps
    each fixed-effect name to {level label: estimated effect}; the normalisation of the levels
    is arbitrary, only sums along an observation are identified (used by ``predict``).
    """

    coefficients: tuple[Coefficient, ...]
    cov: tuple[tuple[float, ...], ...]
    nobs: int
    se_type: str  # "cluster" | "hc1" | "iid"
    n_clusters: int | None
    fixed_effects_used: tuple[str, ...]
    pseudo_r2: float  # McFadden: 1 - loglik / loglik(constant only), as ppmlhdfe reports
    r2_corr: float  # squared correlation of trade and fitted trade, as Stata's ppml reports
    loglik: float
    deviance: float
    diagnostics: Diagnostics
    columns: dict[str, str] = field(default_factory=dict)  # role → column name
    fixed_effects: dict[str, dict[object, float]] = field(default_factory=dict, repr=False)
    rows_used: tuple[int, ...] = field(default=(), repr=False)  # positions in the input frame

    @property
    def params(self) -> dict[str, float]:
        return {c.name: c.estimate for c in self.coefficients}

    @property
    def std_errors(self) -> dict[str, float]:
        return {c.name: c.std_error for c in self.coefficients}

    def to_dict(self) -> dict[str, object]:
        """The fit as JSON-ready data: statistics, coefficients, diagnostics."""
        return {
            "nobs": self.nobs,
            "se_type": self.se_type,
            "n_clusters": self.n_clusters,
            "fixed_effects": list(self.fixed_effects_used),
            "pseudo_r2": self.pseudo_r2,
            "r2_corr": self.r2_corr,
            "loglik": self.loglik,
            "deviance": self.deviance,
            "coefficients": {
                c.name: {
                    "estimate": c.estimate,
                    "std_error": c.std_error,
                    "z": c.z,
                    "p_value": c.p_value,
                }
                for c in self.coefficients
            },
            "diagnostics": self.diagnostics.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class PairBenchmark:
    """Predicted trade for one exporter → importer pair from a gravity fit on other pairs.

    ``predicted`` is None when the pair's fixed effects are not identified by the reference
    sample (``reason`` says why). It is a benchmark, not a forecast (``label``).
    """

    exporter: str
    importer: str
    year: int | None
    actual: float | None
    predicted: float | None
    ratio: float | None  # actual / predicted
    label: Text = BENCHMARK_LABEL
    reason: Text | None = None


@dataclass(frozen=True, slots=True)
class TrendFit:
    """A demand trend with forecast, or a refusal (``ok=False``) with a bilingual reason."""

    ok: bool
    reason: Text | None
    method: str | None  # "log-linear" | "holt" | None when refused
    criterion: str  # how the method was chosen
    criterion_values: dict[str, float]
    years: tuple[int, ...]
    values: tuple[float, ...]
    fitted: tuple[float, ...] = ()
    forecast_years: tuple[int, ...] = ()
    forecast: tuple[float, ...] = ()
    lower: tuple[float, ...] = ()
    upper: tuple[float, ...] = ()
    interval_level: float = 0.9
    cagr: float | None = None  # percent per year over the window
    growth_rate: float | None = None  # percent per year implied by the chosen model


@dataclass(frozen=True, slots=True)
class ExportPotential:
    """ITC-style export potential of one exporter in one market for one product.

    potential = supply × demand × ease (each term documented in data/export_potential.yaml);
    unrealised = max(potential − actual, 0); utilisation = actual / potential. Values in USD.
    ``flags`` name data problems (re-export hub, HS revision break, missing tariff …).
    """

    exporter: str
    market: str
    hs_code: str
    year: int
    supply: float | None
    demand: float | None
    ease: float | None
    potential: float | None
    actual: float | None
    unrealised: float | None
    utilisation: float | None
    flags: tuple[str, ...] = ()
    label: Text = Text(zh_TW="基準值，並非上限", en="a benchmark, not a ceiling")


POTENTIAL_LABEL = Text(zh_TW="基準值，並非上限", en="a benchmark, not a ceiling")


@dataclass(frozen=True, slots=True)
class PotentialSummary:
    """Export potential of one market summed over a set of HS codes (``None`` = not known).

    Sums run over the products whose potential could be computed (``codes_used`` of the
    ``codes_with_imports`` the market imports): unrealised = Σ max(potential − actual, 0) per
    product (ITC), utilisation = Σ actual / Σ potential. ``status``: ``ok``, ``partial`` (some
    products lack a potential) or ``missing``; ``reason`` says why a figure is missing or which
    assumption it rests on, ``command`` what would fill it.
    """

    iso3: str
    potential_usd: float | None = None
    actual_usd: float | None = None
    untapped_potential_usd: float | None = None
    utilisation: float | None = None
    year: int | None = None
    codes_used: int = 0
    codes_with_imports: int = 0
    status: str = "missing"
    flags: tuple[str, ...] = ()
    reason: Text | None = None
    command: str | None = None
    label: Text = POTENTIAL_LABEL
