# Optuna + PyTorch on caviar's ten-minute Fashion-MNIST protocol (bench/better-models.ts,
# examples/fashion-mnist-timed.yaml): 50,000 train / 10,000 dev / 10,000 test, 1-3 hidden
# layers of 64-512 units (log) with batch norm and ReLU, Adam with a log learning rate in
# [1e-4, 1e-2] and beta1 in [0.8, 0.99] on the 1 - beta scale, batch 64-512 (log), up to 15
# epochs, TPE + the median pruner judging from epoch 3 on, a time budget, one thread per job.
# The objective returns the last epoch's dev accuracy (what a PyTorch loop reports unless
# it keeps a checkpoint); the best trial's model is measured once on the test set.
#   /usr/bin/python3 bench/optuna_fashion_mnist.py [--seed 1] [--minutes 10] [--jobs 1] [--epochs 15]
# Prints one JSON line: trials (complete, pruned), best dev accuracy, its test accuracy.
import argparse, gzip, json, math, os, struct, time
import numpy as np, optuna, torch

p = argparse.ArgumentParser()
p.add_argument('--seed', type=int, default=1)
p.add_argument('--minutes', type=float, default=10)
p.add_argument('--jobs', type=int, default=1)
p.add_argument('--epochs', type=int, default=15)
a = p.parse_args()
torch.set_num_threads(1)
optuna.logging.set_verbosity(optuna.logging.WARNING)

def idx(path):
    with gzip.open(path) as f: data = f.read()
    nd = data[3]; dims = struct.unpack('>' + 'I' * nd, data[4:4 + 4 * nd])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * nd).reshape(dims)
d = os.environ['CAVIAR_DATA_DIR'] + '/fashion-mnist/' if 'CAVIAR_DATA_DIR' in os.environ else '/usr/share/datasets/fashion-mnist/'
files = os.listdir(d)
def f(pfx): return d + [x for x in files if x.startswith(pfx)][0]
x = idx(f('train-images')).reshape(-1, 784).astype(np.float32); y = idx(f('train-labels')).astype(np.int64)
xt = idx(f('t10k-images')).reshape(-1, 784).astype(np.float32); yt = idx(f('t10k-labels')).astype(np.int64)
rng = np.random.default_rng(a.seed); perm = rng.permutation(60000)
tr, dv = perm[:50000], perm[50000:]
mu = x[tr].mean(0); sd = x[tr].std(0) + 1e-8
norm = lambda v: torch.from_numpy((v - mu) / sd)
X, Y = norm(x[tr]), torch.from_numpy(y[tr]); XD, YD = norm(x[dv]), torch.from_numpy(y[dv]); XT, YT = norm(xt), torch.from_numpy(yt)

def accuracy(model, xs, ys):
    model.eval()
    with torch.no_grad(): return (model(xs).argmax(1) == ys).float().mean().item()

models = {}
def objective(trial):
    layers = trial.suggest_int('layers', 1, 3); units = trial.suggest_int('hiddenUnits', 64, 512, log=True)
    lr = trial.suggest_float('learningRate', 1e-4, 1e-2, log=True)
    beta1 = 1 - trial.suggest_float('oneMinusBeta1', 0.01, 0.2, log=True)
    batch = trial.suggest_int('batchSize', 64, 512, log=True)
    torch.manual_seed(a.seed * 1000 + trial.number)
    mods, width = [], 784
    for _ in range(layers): mods += [torch.nn.Linear(width, units, bias=False), torch.nn.BatchNorm1d(units), torch.nn.ReLU()]; width = units
    model = torch.nn.Sequential(*mods, torch.nn.Linear(width, 10))
    opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(beta1, 0.999)); lossf = torch.nn.CrossEntropyLoss()
    dev = 0.0
    for epoch in range(1, a.epochs + 1):
        model.train(); order = torch.randperm(50000)
        for b in range(0, 50000, batch):
            i = order[b:b + batch]
            if len(i) < 2: continue
            loss = lossf(model(X[i]), Y[i]); opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        dev = accuracy(model, XD, YD)
        trial.report(dev, epoch)
        if trial.should_prune(): raise optuna.TrialPruned()
    models[trial.number] = model
    return dev

study = optuna.create_study(direction='maximize', sampler=optuna.samplers.TPESampler(seed=a.seed),
                            pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2))
start = time.time()
study.optimize(objective, timeout=a.minutes * 60, n_jobs=a.jobs)
best = study.best_trial
states = [t.state for t in study.trials]
print(json.dumps({'optuna': optuna.__version__, 'torch': torch.__version__, 'seed': a.seed, 'seconds': round(time.time() - start, 1),
                  'complete': sum(s == optuna.trial.TrialState.COMPLETE for s in states), 'pruned': sum(s == optuna.trial.TrialState.PRUNED for s in states),
                  'best': best.number, 'dev': best.value, 'test': accuracy(models[best.number], XT, YT)}))
