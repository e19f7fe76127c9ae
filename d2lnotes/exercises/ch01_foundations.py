"""Self-checked exercises of chapter 1 (book/01_foundations). The solutions live here, never in the notebooks."""
from __future__ import annotations

import math

import numpy as onp

from . import Exercise, register


def _rng(seed: int) -> onp.random.Generator:
    return onp.random.default_rng(seed)


# --- 01_perceptron -------------------------------------------------------------------------------------------------

def _separable_sets():
    # small linearly separable problems: X (n, d + 1) with the bias feature, y in {0, 1}, a separating theta
    sets = []
    for seed, (n, d) in enumerate([(20, 2), (50, 5), (8, 3)]):
        rng = _rng(seed)
        X = onp.concatenate([rng.normal(size=(n, d)), onp.ones((n, 1))], axis=1)
        theta = rng.normal(size=d + 1)
        y = (X @ theta >= 0).astype(float)
        sets.append((theta, X, y))
    return sets


def _mistake_bound(theta, X, y):
    theta, X, y = (onp.asarray(a, dtype=float) for a in (theta, X, y))
    gamma = ((2 * y - 1) * (X @ theta)).min() / onp.linalg.norm(theta)
    radius = onp.linalg.norm(X, axis=1).max()
    return (radius / gamma) ** 2


def _mistake_bound_unnormalised(theta, X, y):  # the typical slip: the margin of theta itself, not of a unit vector
    gamma = ((2 * y - 1) * (X @ theta)).min()
    return (onp.linalg.norm(X, axis=1).max() / gamma) ** 2


def _logistic_inputs():
    out = []
    for seed in range(3):
        rng = _rng(10 + seed)
        out.append((rng.normal(size=4), rng.normal(size=4), float(seed % 2), 0.5 / (seed + 1)))
    return out


def _logistic_step(theta, x, y, alpha):
    theta, x = onp.asarray(theta, dtype=float), onp.asarray(x, dtype=float)
    return theta + alpha * (y - 1 / (1 + math.exp(-float(theta @ x)))) * x


def _perceptron_step(theta, x, y, alpha):  # the step instead of the sigmoid
    return theta + alpha * (y - float(theta @ x >= 0)) * x


# --- 02_linear_regression ------------------------------------------------------------------------------------------

def _normal_equations_theta():
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    data = load_diabetes(scaled=False)
    X_all, y_all = data.data.astype(onp.float32), data.target.astype(onp.float32)
    X_train, _, y_train, _ = train_test_split(X_all, y_all, test_size=0.2, random_state=0)
    X = ((X_train - X_train.mean(axis=0)) / X_train.std(axis=0)).astype(onp.float64)
    X_tilde = onp.concatenate([X, onp.ones((len(X), 1))], axis=1)
    return onp.linalg.solve(X_tilde.T @ X_tilde, X_tilde.T @ y_train.astype(onp.float64))


def _correlated_condition_number():
    cov = onp.array([[1.0, 1.0], [1.0, 1.01]])  # x1 ~ N(0, 1), x2 = x1 + 0.1 eps
    eigenvalues = onp.linalg.eigvalsh(cov)
    return eigenvalues[-1] / eigenvalues[0]


# --- 03_softmax_regression -----------------------------------------------------------------------------------------

def _score_inputs():
    out = []
    for seed, (n, q) in enumerate([(4, 3), (6, 10), (1, 5)]):
        rng = _rng(20 + seed)
        out.append((rng.normal(0, 3, size=(n, q)), rng.integers(0, q, size=n)))
    return out


def _softmax(O):
    O = onp.asarray(O, dtype=float)
    E = onp.exp(O - O.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _ce_grad(O, y):
    P = _softmax(O)
    P[onp.arange(len(P)), onp.asarray(y, dtype=int)] -= 1
    return P


# --- 04_mlp_backprop -----------------------------------------------------------------------------------------------

def _mlp2_inputs():
    out = []
    for seed, (n, d, h1, h2, q) in enumerate([(6, 5, 4, 3, 3), (10, 8, 6, 5, 4)]):
        rng = _rng(30 + seed)
        params = {"W1": rng.normal(0, 0.7, (d, h1)), "b1": rng.normal(0, 0.3, h1),
                  "W2": rng.normal(0, 0.7, (h1, h2)), "b2": rng.normal(0, 0.3, h2),
                  "W3": rng.normal(0, 0.7, (h2, q)), "b3": rng.normal(0, 0.3, q)}
        out.append((params, rng.normal(size=(n, d)), rng.integers(0, q, size=n)))
    return out


def _mlp2_grad_W1(params, X, y, second_relu=True):
    p = {k: onp.asarray(v, dtype=float) for k, v in params.items()}
    X = onp.asarray(X, dtype=float)
    Z1 = X @ p["W1"] + p["b1"]
    H1 = onp.maximum(Z1, 0)
    Z2 = H1 @ p["W2"] + p["b2"]
    H2 = onp.maximum(Z2, 0)
    O = H2 @ p["W3"] + p["b3"]
    dO = _ce_grad(O, y) / len(X)
    dZ2 = (dO @ p["W3"].T) * ((Z2 > 0) if second_relu else 1.0)
    dZ1 = (dZ2 @ p["W2"].T) * (Z1 > 0)
    return X.T @ dZ1


register(
    Exercise("01_perceptron.2",
             "The perceptron's mistake bound (R / gamma)^2 for a separating theta.",
             solution=_mistake_bound, wrong=_mistake_bound_unnormalised, kind="function", inputs=_separable_sets,
             hint="The theorem's margin belongs to a unit vector: rescaling theta must not change your bound."),
    Exercise("01_perceptron.5",
             "One SGD step of logistic regression on one example: the new theta.",
             solution=_logistic_step, wrong=_perceptron_step, kind="function", inputs=_logistic_inputs,
             hint="Differentiate the logistic loss: every example moves theta, not only the misclassified ones."),
    Exercise("02_linear_regression.1",
             "theta = (w, b), bias last, from the normal equations on the standardised diabetes training split.",
             solution=_normal_equations_theta, wrong=onp.zeros(10), rtol=1e-3, atol=1e-2,
             hint="Append the constant feature 1 as the last column of the standardised training features, so "
                  "that theta holds the ten weights and then the bias."),
    Exercise("02_linear_regression.5",
             "The condition number of the covariance matrix of x1 ~ N(0, 1) and x2 = x1 + 0.1 eps.",
             solution=_correlated_condition_number, wrong=1.01, rtol=1e-3,
             hint="kappa is the ratio of the largest to the smallest eigenvalue, not of the diagonal entries."),
    Exercise("03_softmax_regression.2",
             "The gradient of the summed cross-entropy with respect to the scores O.",
             solution=_ce_grad, wrong=lambda O, y: _softmax(O), kind="function", inputs=_score_inputs,
             hint="Differentiate -o_c + log sum_k exp(o_k) with respect to every o_j, the true class c included."),
    Exercise("03_softmax_regression.3",
             "The score above which exp() overflows in float16 (largest number 65504).",
             solution=lambda: math.log(65504), wrong=88.7, rtol=1e-3,
             hint="Repeat the float32 argument of the notebook with float16's largest number."),
    Exercise("04_mlp_backprop.2",
             "The gradient of the mean cross-entropy with respect to W1 in an MLP with two ReLU hidden layers.",
             solution=_mlp2_grad_W1, wrong=lambda params, X, y: _mlp2_grad_W1(params, X, y, second_relu=False),
             kind="function", inputs=_mlp2_inputs,
             hint="Every hidden layer's ReLU multiplies the backward signal by its own derivative."),
    Exercise("04_mlp_backprop.6",
             "Bytes of float32 cache saved by not keeping Z for a batch of 128 and 256 hidden units.",
             solution=lambda: 128 * 256 * 4, wrong=128 * 256,
             hint="Count entries of Z, then the bytes each float32 entry takes."),
)


# --- 05_regularization ---------------------------------------------------------------------------------------------

def _ridge_inputs():
    out = []
    for seed, (n, d, lam) in enumerate([(30, 4, 0.1), (12, 6, 1.0), (50, 3, 0.01)]):
        rng = _rng(40 + seed)
        X = rng.normal(size=(n, d))
        out.append((X, X @ rng.normal(size=d) + rng.normal(0, 0.5, size=n), lam))
    return out


def _ridge(X, y, lam):
    X, y = onp.asarray(X, dtype=float), onp.asarray(y, dtype=float)
    return onp.linalg.solve(X.T @ X + len(X) * lam * onp.eye(X.shape[1]), X.T @ y)


def _ridge_without_n(X, y, lam):  # the penalty weighed against the summed, not the mean, loss
    return onp.linalg.solve(X.T @ X + lam * onp.eye(X.shape[1]), X.T @ y)


def _threshold_inputs():
    w = onp.array([-1.0, -0.02, -0.005, 0.0, 0.004, 0.03, 0.5])
    return [(w, 0.01), (w * 3, 0.1), (_rng(50).normal(size=(4, 5)), 0.3)]


def _soft_threshold(w, t):
    w = onp.asarray(w, dtype=float)
    return onp.sign(w) * onp.maximum(onp.abs(w) - t, 0)


register(
    Exercise("05_regularization.3",
             "The minimiser of (1/(2n)) ||Xw - y||^2 + (lambda/2) ||w||^2 in closed form.",
             solution=_ridge, wrong=_ridge_without_n, kind="function", inputs=_ridge_inputs,
             hint="Set the gradient of the whole objective to zero; keep the 1/n of the mean loss."),
    Exercise("05_regularization.4",
             "The proximal (soft-thresholding) step sign(w) max(|w| - t, 0).",
             solution=_soft_threshold, wrong=lambda w, t: w - t * onp.sign(w), kind="function",
             inputs=_threshold_inputs,
             hint="A weight smaller than the threshold in magnitude must land on exactly 0, not cross to the "
                  "other sign."),
)
