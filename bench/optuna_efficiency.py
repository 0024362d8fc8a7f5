"""Optuna's side of bench/tuner-efficiency.ts: the same functions, spaces and
protocol (seeds x trials, median of the best value found), printed as JSON.
GPSampler runs where the installed Optuna has it (3.6 and later, with torch
and scipy); otherwise a note in the JSON says why it is missing.

    python3 bench/optuna_efficiency.py --seeds 20 --trials 50 [--functions branin,hartmann6]
"""
import argparse
import json
import math
import statistics
import sys
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(trial):
    x1 = trial.suggest_float("x1", -5.0, 10.0)
    x2 = trial.suggest_float("x2", 0.0, 15.0)
    a, b, c = 1.0, 5.1 / (4 * math.pi ** 2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    return a * (x2 - b * x1 ** 2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


H_ALPHA = [1.0, 1.2, 3.0, 3.2]
H_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
H_P = [
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
]


def hartmann6(trial):
    x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(6)]
    total = 0.0
    for i in range(4):
        inner = sum(H_A[i][j] * (x[j] - H_P[i][j] * 1e-4) ** 2 for j in range(6))
        total += H_ALPHA[i] * math.exp(-inner)
    return -total


LR_CENTRE = {"adam": -3.0, "momentum": -2.0, "sgd": -1.0}
OPT_PENALTY = {"adam": 0.0, "momentum": 0.25, "sgd": 1.0}


def mlp_like(trial):
    # caviar samples beta on its oneMinusBeta scale; Optuna samples 1 - beta log-uniformly: the same distribution.
    lr = trial.suggest_float("lr", 1e-5, 1.0, log=True)
    one_minus_beta = trial.suggest_float("one_minus_beta", 1e-3, 1e-1, log=True)
    units = trial.suggest_int("units", 16, 512, log=True)
    optimizer = trial.suggest_categorical("optimizer", ["adam", "momentum", "sgd"])
    return (
        (math.log10(lr) - LR_CENTRE[optimizer]) ** 2
        + (math.log10(one_minus_beta) + 2) ** 2
        + ((math.log2(units) - 7) / 2) ** 2
        + OPT_PENALTY[optimizer]
    )


def rosenbrock4(trial):
    x = [trial.suggest_float(f"x{i}", -2.0, 2.0) for i in range(4)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


FUNCTIONS = {"branin": branin, "hartmann6": hartmann6, "mlp-like": mlp_like, "rosenbrock4": rosenbrock4}
SAMPLERS = {
    "random": lambda seed: optuna.samplers.RandomSampler(seed=seed),
    "tpe": lambda seed: optuna.samplers.TPESampler(seed=seed),
    "gp": lambda seed: optuna.samplers.GPSampler(seed=seed),
}


def gp_missing():
    """Why Optuna's GPSampler cannot run here, or None when it can."""
    if not hasattr(optuna.samplers, "GPSampler"):
        return f"Optuna {optuna.__version__} has no GPSampler (added in 3.6): the Optuna GP column is empty"
    try:
        import scipy  # noqa: F401
        import torch  # noqa: F401
    except ImportError as e:
        return f"Optuna's GPSampler needs scipy and torch ({e}): the Optuna GP column is empty"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--functions", default=",".join(FUNCTIONS))
    parser.add_argument("--samplers", default=",".join(SAMPLERS))
    args = parser.parse_args()
    results = {"optuna": optuna.__version__, "medians": {}, "seconds": {}, "notes": []}
    samplers = args.samplers.split(",")
    missing = gp_missing()
    if "gp" in samplers and missing is not None:
        samplers.remove("gp")
        results["notes"].append(missing)
    for fname in args.functions.split(","):
        for sname in samplers:
            started = time.perf_counter()
            bests = []
            for seed in range(args.seeds):
                study = optuna.create_study(sampler=SAMPLERS[sname](seed))
                study.optimize(FUNCTIONS[fname], n_trials=args.trials)
                bests.append(study.best_value)
            results["medians"][f"{fname}/{sname}"] = statistics.median(bests)
            results["seconds"][f"{fname}/{sname}"] = time.perf_counter() - started
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
