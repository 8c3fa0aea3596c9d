"""Poisson regression with a log link, fitted as statsmodels' ``GLM`` fits it.

``GLM(y, X, family=Poisson()).fit(scale="X2")`` is iteratively reweighted
least squares (IRLS) from the same start, with the same steps, stopping rule
and quasi-Poisson (Pearson chi-squared) scale; :func:`fit` repeats it with
numpy alone. The reason is start-up, not speed: importing statsmodels (and
with it scipy.stats) took over a second, paid by the first statistics page of
every server process, for a fit of four numbers to two dozen months. The
tests compare every result with statsmodels itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

_EPS = np.finfo(float).eps


@dataclass(frozen=True)
class PoissonFit:
    params: np.ndarray
    #: Standard errors, the Pearson scale included.
    bse: np.ndarray
    scale: float
    iterations: int
    converged: bool

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """Wald intervals of the parameters (normal quantiles), one ``[low, high]`` row each."""
        q = NormalDist().inv_cdf(1 - alpha / 2)
        return np.column_stack([self.params - q * self.bse, self.params + q * self.bse])

    def predict(self, exog: np.ndarray) -> np.ndarray:
        """Expected counts for the rows of ``exog``."""
        return np.exp(exog @ self.params)


def _deviance(y: np.ndarray, mu: np.ndarray, scale: float) -> float:
    ratio = np.clip(y / mu, _EPS, np.inf)
    return float(np.sum(2 * (y * np.log(ratio) - (y - mu))) / scale)


def _pearson_scale(y: np.ndarray, mu: np.ndarray, df_resid: int) -> float:
    return float(np.sum((y - mu) ** 2 / np.fabs(mu)) / df_resid)


def fit(y, exog, *, maxiter: int = 100, tol: float = 1e-8) -> PoissonFit:
    """Fit ``log E[y] = exog @ params`` by IRLS; the scale is Pearson's chi-squared / df."""
    if maxiter < 1:
        raise ValueError(f"maxiter must be at least 1, not {maxiter}")
    y = np.asarray(y, dtype=float)
    exog = np.asarray(exog, dtype=float)
    df_resid = len(y) - int(np.linalg.matrix_rank(exog))
    mu = (y + y.mean()) / 2
    lin_pred = np.log(np.clip(mu, _EPS, np.inf))
    scale = _pearson_scale(y, mu, df_resid)
    deviance = [np.inf, _deviance(y, mu, scale)]
    converged, iterations = False, 0
    weights = wls_endog = None
    while iterations < maxiter:
        iterations += 1
        # Working weights and response of the log link: mu, and eta + (y - mu) / mu.
        clean = np.clip(mu, _EPS, np.inf)
        weights = 1.0 / ((1.0 / clean) ** 2 * np.fabs(mu))
        wls_endog = lin_pred + (1.0 / clean) * (y - mu)
        root = np.sqrt(weights)
        params = np.linalg.lstsq(exog * root[:, None], wls_endog * root, rcond=-1)[0]
        lin_pred = exog @ params
        mu = np.exp(lin_pred)
        deviance.append(_deviance(y, mu, scale))
        scale = _pearson_scale(y, mu, df_resid)
        if np.allclose(deviance[-2], deviance[-1], atol=tol, rtol=0):
            converged = True
            break
    # The last step's weighted least squares once more, by pseudo-inverse: the
    # parameters and their covariance (before the scale).
    root = np.sqrt(weights)
    pinv = np.linalg.pinv(exog * root[:, None], rcond=1e-15)
    params = pinv @ (wls_endog * root)
    bse = np.sqrt(np.diag(pinv @ pinv.T * scale))
    return PoissonFit(params, bse, scale, iterations, converged)
