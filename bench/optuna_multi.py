"""Optuna's side of bench/multi.ts: the same multi-objective problems
(ZDT1, ZDT2, DTLZ2, Binh-Korn, C2-DTLZ2), spaces and protocol, run with
NSGAIISampler and TPESampler(multivariate=True) (what MOTPESampler became),
each with constraints_func on constrained problems. Prints, as JSON, every
trial's objective values and feasibility per seed (bench/multi.ts computes
the hypervolumes with caviar's exact code, so both sides are scored alike),
and the seconds per trial.

    /usr/bin/python3 bench/optuna_multi.py --problems zdt1,dtlz2 --samplers nsga2,tpe --seeds 0,1,2 --trials 300
    /usr/bin/python3 bench/optuna_multi.py --timing 1000   # ms per trial over a 1,000-trial ZDT1 study
    /usr/bin/python3 bench/optuna_multi.py --timing 1000 --timing-after 900 --samplers tpe
        # the same, but trials 1-900 drawn at random (fast) and only 901-1000 proposed and timed:
        # a sampler's cost at n trials depends on n, not on who chose them (the front's size aside)
"""
import argparse
import json
import math
import sys
import time
import warnings

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore")


def zdt(kind, n):
    def objective(trial):
        x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(n)]
        g = 1 + 9 * sum(x[1:]) / (n - 1)
        ratio = x[0] / g
        return x[0], g * (1 - (math.sqrt(ratio) if kind == 1 else ratio * ratio))
    return objective, 2, False


def dtlz2_values(trial, n):
    x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(n)]
    g = sum((xi - 0.5) ** 2 for xi in x[2:])
    a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
    return [(1 + g) * math.cos(a) * math.cos(b), (1 + g) * math.cos(a) * math.sin(b), (1 + g) * math.sin(a)]


def dtlz2(n):
    return (lambda trial: tuple(dtlz2_values(trial, n))), 3, False


def c2dtlz2(n):
    r = 0.4

    def objective(trial):
        f = dtlz2_values(trial, n)
        m = len(f)
        c = min((f[i] - 1) ** 2 - r * r + sum(f[j] ** 2 for j in range(m) if j != i) for i in range(m))
        centre = sum((v - 1 / math.sqrt(m)) ** 2 for v in f) - r * r
        trial.set_user_attr("constraints", [min(c, centre)])
        return tuple(f)
    return objective, 3, True


def binh_korn():
    def objective(trial):
        x = trial.suggest_float("x", 0.0, 5.0)
        y = trial.suggest_float("y", 0.0, 3.0)
        trial.set_user_attr("constraints", [(x - 5) ** 2 + y * y - 25, 7.7 - (x - 8) ** 2 - (y + 3) ** 2])
        return 4 * x * x + 4 * y * y, (x - 5) ** 2 + (y - 5) ** 2
    return objective, 2, True


PROBLEMS = {
    "zdt1": lambda: zdt(1, 30),
    "zdt2": lambda: zdt(2, 30),
    "dtlz2": lambda: dtlz2(12),
    "binh-korn": binh_korn,
    "c2-dtlz2": lambda: c2dtlz2(12),
}


def constraints_of(trial):
    return trial.user_attrs["constraints"]


def make_sampler(name, seed, constrained):
    kwargs = {"seed": seed}
    if constrained:
        kwargs["constraints_func"] = constraints_of
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(**kwargs)
    if name == "tpe":
        return optuna.samplers.TPESampler(multivariate=True, **kwargs)
    raise ValueError(f"unknown sampler {name}")


def run(problem, sampler_name, seed, trials):
    objective, m, constrained = PROBLEMS[problem]()
    study = optuna.create_study(directions=["minimize"] * m, sampler=make_sampler(sampler_name, seed, constrained))
    start = time.perf_counter()
    study.optimize(objective, n_trials=trials)
    seconds = time.perf_counter() - start
    rows = []
    for t in study.trials:
        feasible = all(c <= 0 for c in t.user_attrs.get("constraints", []))
        rows.append([list(t.values), feasible])
    return rows, seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--problems", default="zdt1,zdt2,dtlz2,binh-korn")
    parser.add_argument("--samplers", default="nsga2,tpe")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--timing", type=int, default=0)
    parser.add_argument("--timing-after", type=int, default=0)
    args = parser.parse_args()
    out = {"optuna": optuna.__version__, "runs": [], "timing": {}}
    if args.timing > 0:
        for name in args.samplers.split(","):
            objective, m, _ = PROBLEMS["zdt1"]()
            study = optuna.create_study(directions=["minimize"] * m, sampler=optuna.samplers.RandomSampler(seed=0))
            study.optimize(objective, n_trials=args.timing_after)
            study.sampler = make_sampler(name, 0, False)
            marks = []
            start = time.perf_counter()
            for i in range(args.timing_after, args.timing):
                study.optimize(objective, n_trials=1)
                if (i + 1) % 100 == 0:
                    marks.append(time.perf_counter() - start)
            # ms per trial over the trials timed and over the last 100 of them
            out["timing"][name] = {
                "meanMs": 1000 * marks[-1] / (args.timing - args.timing_after),
                "last100Ms": 1000 * (marks[-1] - (marks[-2] if len(marks) > 1 else 0)) / 100,
                "timedFrom": args.timing_after + 1,
            }
    else:
        for problem in args.problems.split(","):
            for name in args.samplers.split(","):
                for seed in [int(s) for s in args.seeds.split(",")]:
                    rows, seconds = run(problem, name, seed, args.trials)
                    out["runs"].append({"problem": problem, "sampler": name, "seed": seed, "seconds": seconds, "trials": rows})
                    print(f"optuna {problem} {name} seed {seed}: {seconds:.1f} s", file=sys.stderr, flush=True)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
