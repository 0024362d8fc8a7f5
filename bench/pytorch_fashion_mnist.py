# PyTorch side of the Fashion-MNIST training benchmark (docs/BENCHMARKS.md): the same MLP
# (784-256-128-10, batch norm, ReLU, Adam 1e-3, batch 128), one thread, inputs normalized once.
#   OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/pytorch_fashion_mnist.py [EPOCHS]
import gzip, struct, time, sys, numpy as np, torch
torch.set_num_threads(1)
def idx(path):
    with gzip.open(path) as f: data=f.read()
    nd=data[3]; dims=struct.unpack('>'+'I'*nd, data[4:4+4*nd]); return np.frombuffer(data, np.uint8, offset=4+4*nd).reshape(dims)
d='/usr/share/datasets/fashion-mnist/'
import os
files=os.listdir(d)
def f(pfx): return d+[x for x in files if x.startswith(pfx)][0]
x=idx(f('train-images')).reshape(-1,784).astype(np.float32); y=idx(f('train-labels')).astype(np.int64)
mu=x.mean(0); sd=x.std(0)+1e-8; x=(x-mu)/sd
X=torch.from_numpy(x); Y=torch.from_numpy(y)
torch.manual_seed(1)
model=torch.nn.Sequential(torch.nn.Linear(784,256,bias=False),torch.nn.BatchNorm1d(256),torch.nn.ReLU(),torch.nn.Linear(256,128,bias=False),torch.nn.BatchNorm1d(128),torch.nn.ReLU(),torch.nn.Linear(128,10))
opt=torch.optim.Adam(model.parameters(),lr=1e-3)
lossf=torch.nn.CrossEntropyLoss()
epochs=int(sys.argv[1]) if len(sys.argv)>1 else 1
for ep in range(epochs):
    perm=torch.randperm(60000); t=time.perf_counter(); correct=0; tot=0.0
    for b in range(0,60000,128):
        i=perm[b:b+128]; xb=X[i]; yb=Y[i]
        out=model(xb); loss=lossf(out,yb)
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        correct+=(out.argmax(1)==yb).sum().item(); tot+=loss.item()*len(i)
    s=time.perf_counter()-t
    print(f"pytorch {torch.__version__} epoch {ep+1} loss {tot/60000:.4f} acc {correct/600:.2f}% {60000/s:.0f} samples/s {s:.2f}s")
