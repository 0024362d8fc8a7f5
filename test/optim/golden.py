import torch, json
torch.set_default_dtype(torch.float64)
def grads(t):  # t = 1..5
    return torch.tensor([0.1 * t, -0.2, 0.3 - 0.05 * t, 0.0])
def run(make):
    w = torch.nn.Parameter(torch.tensor([0.5, -1.0, 2.0, 0.25]))
    opt = make([w])
    out = []
    for t in range(1, 6):
        opt.zero_grad()
        w.grad = grads(t)
        opt.step()
        out.append([float(v) for v in w.detach()])
    return out
res = {
 'sgd': run(lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.01)),
 'momentum': run(lambda p: torch.optim.SGD(p, lr=0.1*(1-0.9), momentum=0.9, weight_decay=0.01)),
 'rmsprop': run(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8, weight_decay=0.01)),
 'adam': run(lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9,0.999), eps=1e-8, weight_decay=0.01)),
}
print(json.dumps(res, indent=1))
