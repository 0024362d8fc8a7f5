"""Optuna's side of bench/storage.ts: the same cheap objective and the same
10,000-trial study, on Optuna's RDB storage (SQLAlchemy + psycopg2) in a
PostgreSQL database of its own. Every command prints one JSON line.

    python3 bench/optuna_storage.py create URL STUDY
    python3 bench/optuna_storage.py worker URL STUDY N     # prints {"ready"}, waits for a line on stdin, runs N trials
    python3 bench/optuna_storage.py fill URL STUDY N       # N complete trials, 2 params and 10 intermediate values each
    python3 bench/optuna_storage.py read URL STUDY         # times a full read, a cached re-read and an incremental read

URL is SQLAlchemy's, e.g. postgresql+psycopg2://postgres@127.0.0.1/caviar_bench_optuna.
"""
import json
import sys
import time

import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

optuna.logging.set_verbosity(optuna.logging.WARNING)


def objective(trial):
    # The same objective as bench/storage-worker.ts: two suggests, nothing to compute.
    x = trial.suggest_float("x", -10.0, 10.0)
    y = trial.suggest_float("y", -10.0, 10.0)
    return x * x + y


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def create(url, name):
    study = optuna.create_study(storage=url, study_name=name, direction="minimize")
    say({"studyId": study._study_id})


def worker(url, name, n):
    # Optuna's default for a URL: RDBStorage wrapped in its cache, as users get it.
    study = optuna.load_study(study_name=name, storage=url, sampler=optuna.samplers.RandomSampler())
    say({"ready": True})
    sys.stdin.readline()
    start = time.time()
    study.optimize(objective, n_trials=n)
    end = time.time()
    say({"start": start * 1000, "end": end * 1000, "ran": n})


def trial_template(i):
    x = (i * 7919 % 2000) / 100 - 10
    y = (i * 104729 % 2000) / 100 - 10
    dist = FloatDistribution(-10.0, 10.0)
    return create_trial(
        state=TrialState.COMPLETE,
        value=x * x + y,
        params={"x": x, "y": y},
        distributions={"x": dist, "y": dist},
        intermediate_values={step: x * x + y + 10 - step for step in range(10)},
    )


def fill(url, name, n):
    study = optuna.load_study(study_name=name, storage=url)
    start = time.time()
    study.add_trials([trial_template(i) for i in range(n)])
    say({"filled": n, "seconds": time.time() - start})


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, (time.perf_counter() - start) * 1000


def read(url, name):
    out = {}
    # 1. A process that opens the study and reads every trial (what a new worker or a dashboard does).
    def full():
        study = optuna.load_study(study_name=name, storage=url)
        return study.get_trials(deepcopy=False)

    trials, out["fullMs"] = timed(full)
    out["trials"] = len(trials)
    out["intermediateValues"] = sum(len(t.intermediate_values) for t in trials)
    # 2. The storage without Optuna's cache: every call reads everything.
    raw = optuna.storages.RDBStorage(url)
    study_id = raw.get_study_id_from_name(name)
    _, out["uncachedMs"] = timed(lambda: raw.get_all_trials(study_id, deepcopy=False))
    # 3. Incremental: another process adds one trial; the cached storage reads what changed.
    study = optuna.load_study(study_name=name, storage=url)
    study.get_trials(deepcopy=False)
    writer = optuna.load_study(study_name=name, storage=optuna.storages.RDBStorage(url))
    writer.add_trial(trial_template(n_existing := out["trials"]))

    def incremental():
        study._storage.read_trials_from_remote_storage(study._study_id)
        return study.get_trials(deepcopy=False)

    after, out["incrementalMs"] = timed(incremental)
    out["afterIncremental"] = len(after)
    assert len(after) == n_existing + 1, (len(after), n_existing)
    say(out)


def main():
    command, url, name, *rest = sys.argv[1:]
    if command == "create":
        create(url, name)
    elif command == "worker":
        worker(url, name, int(rest[0]))
    elif command == "fill":
        fill(url, name, int(rest[0]))
    elif command == "read":
        read(url, name)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main()
